use super::*;

const ME: u32 = 1000;

fn observed(kind: Kind, mode: u32) -> Observed {
    Observed { owner: ME, mode, kind }
}

#[test]
fn owner_only_paths_of_the_current_user_pass() {
    let folder = Path::new("/data");
    assert_eq!(check(folder, Role::DataFolder, observed(Kind::Folder, 0o40700), ME), Ok(()));
    assert_eq!(check(folder, Role::DataFolder, observed(Kind::Folder, 0o500), ME), Ok(()));
    for role in [Role::Secret, Role::Database] {
        assert_eq!(check(Path::new("/data/f"), role, observed(Kind::File, 0o100600), ME), Ok(()));
        assert_eq!(check(Path::new("/data/f"), role, observed(Kind::File, 0o400), ME), Ok(()));
    }
}

#[test]
fn any_group_or_other_permission_is_refused_with_the_chmod_that_fixes_it() {
    for mode in [0o710, 0o701, 0o750, 0o755, 0o777, 0o702, 0o720] {
        let err = check(Path::new("/d"), Role::DataFolder, observed(Kind::Folder, mode), ME).unwrap_err();
        assert_eq!(err, Untrusted::TooOpen { path: "/d".into(), role: Role::DataFolder, mode });
        assert!(err.to_string().contains("run `chmod 700 /d`"), "{err}");
    }
    for mode in [0o640, 0o604, 0o644, 0o666, 0o660, 0o606, 0o602, 0o620] {
        let err = check(Path::new("/d/jwt-secret"), Role::Secret, observed(Kind::File, 0o100000 | mode), ME);
        let err = err.unwrap_err();
        assert_eq!(err, Untrusted::TooOpen { path: "/d/jwt-secret".into(), role: Role::Secret, mode });
        let message = err.to_string();
        assert!(message.contains("/d/jwt-secret") && message.contains(&format!("mode {mode:o}")), "{message}");
        assert!(message.contains("run `chmod 600 /d/jwt-secret`"), "{message}");
        assert!(message.contains("delete it to generate a new secret"), "{message}");
    }
    let err = check(Path::new("/d/users.sqlite3"), Role::Database, observed(Kind::File, 0o644), ME).unwrap_err();
    assert!(err.to_string().contains("run `chmod 600 /d/users.sqlite3`"), "{err}");
}

#[test]
fn another_users_path_is_refused_even_when_private() {
    for (role, kind) in [(Role::DataFolder, Kind::Folder), (Role::Secret, Kind::File), (Role::Database, Kind::File)] {
        let theirs = Observed { owner: 0, mode: 0o600, kind };
        let err = check(Path::new("/p"), role, theirs, ME).unwrap_err();
        assert_eq!(err, Untrusted::NotOwned { path: "/p".into(), role, owner: 0, current: ME });
        assert!(err.to_string().contains("/p belongs to user id 0, not to you (user id 1000)"), "{err}");
    }
}

#[test]
fn symlinks_and_other_kinds_are_refused() {
    for role in [Role::DataFolder, Role::Secret, Role::Database] {
        let err = check(Path::new("/l"), role, observed(Kind::Symlink, 0o777), ME).unwrap_err();
        assert_eq!(err, Untrusted::Symlink { path: "/l".into(), role });
    }
    assert!(matches!(
        check(Path::new("/f"), Role::DataFolder, observed(Kind::File, 0o600), ME),
        Err(Untrusted::WrongKind { .. })
    ));
    assert!(matches!(
        check(Path::new("/f"), Role::Secret, observed(Kind::Folder, 0o700), ME),
        Err(Untrusted::WrongKind { .. })
    ));
    assert!(matches!(
        check(Path::new("/f"), Role::Database, observed(Kind::Other, 0o600), ME),
        Err(Untrusted::WrongKind { .. })
    ));
}

#[cfg(unix)]
#[test]
fn verify_reads_the_path_itself() {
    use std::os::unix::fs::PermissionsExt;
    let dir = std::env::temp_dir().join(format!("local-api-trust-{}", uuid::Uuid::new_v4()));
    std::fs::create_dir(&dir).unwrap();
    std::fs::set_permissions(&dir, std::fs::Permissions::from_mode(0o700)).unwrap();
    assert_eq!(verify(&dir, Role::DataFolder), Ok(true));
    assert_eq!(verify(&dir.join("missing"), Role::Secret), Ok(false));

    let file = dir.join("jwt-secret");
    std::fs::write(&file, "x").unwrap();
    std::fs::set_permissions(&file, std::fs::Permissions::from_mode(0o600)).unwrap();
    assert_eq!(verify(&file, Role::Secret), Ok(true));
    assert_eq!(verify_open(&file, Role::Secret, &std::fs::File::open(&file).unwrap()), Ok(()));
    std::fs::set_permissions(&file, std::fs::Permissions::from_mode(0o644)).unwrap();
    assert!(matches!(verify(&file, Role::Secret), Err(Untrusted::TooOpen { mode: 0o644, .. })));

    // A private-looking link to a private file is still a link.
    let link = dir.join("link");
    std::fs::set_permissions(&file, std::fs::Permissions::from_mode(0o600)).unwrap();
    std::os::unix::fs::symlink(&file, &link).unwrap();
    assert_eq!(verify(&link, Role::Database), Err(Untrusted::Symlink { path: link.clone(), role: Role::Database }));

    std::fs::set_permissions(&dir, std::fs::Permissions::from_mode(0o755)).unwrap();
    assert!(matches!(verify(&dir, Role::DataFolder), Err(Untrusted::TooOpen { mode: 0o755, .. })));
    std::fs::remove_dir_all(&dir).unwrap();
}
