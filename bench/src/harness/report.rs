//! The tables the harness prints (Markdown, as BENCHMARKS.md quotes them).

use std::collections::BTreeMap;
use std::path::Path;
use std::time::Duration;

use serde_json::Value;

use super::args::Args;
use super::login::Login;
use super::refresh;
use super::run::Measured;
use super::scenarios::{Scenario, warm_up};
use crate::stats::{Summary, micros, millis, ratio};

fn rss(kib: Option<u64>) -> String {
    kib.map_or("n/a".into(), |k| format!("{:.2} MiB", k as f64 / 1024.0))
}

/// The tables of one run: each function against the no-op, then the logins
/// against their floors and the targets.
pub(crate) fn report(args: &Args, list: &[Scenario], results: &[Measured]) {
    let noop = list.iter().position(|s| s.name == "noop");
    let noop_p50 = noop.and_then(|n| Summary::of(&results[n].warm)).map(|s| s.p50);
    let noop_rss = noop.and_then(|n| results[n].peak_rss_kib);
    let logins = if list.iter().any(|s| s.login.is_some()) {
        format!(" ({} for authenticate)", args.logins)
    } else {
        String::new()
    };
    println!(
        "Whole process: {} cold starts per function; {} warm invocations per function{logins} after a warm-up, in {} \
         interleaved rounds. Latency: /next answered → /response received.\n",
        args.cold, args.invocations, args.rounds
    );
    println!(
        "| function | cold start p50 | first invocation p50 | warm p50 | warm p99 | warm p50 ÷ noop | CPU / invocation (mean) | peak RSS | RSS − noop |"
    );
    println!("|---|---|---|---|---|---|---|---|---|");
    for (s, m) in list.iter().zip(results) {
        let cold = Summary::of(&m.cold);
        let first = Summary::of(&m.first);
        let warm = Summary::of(&m.warm);
        let slow = s.login.is_some();
        let fmt = |d: Duration| if slow { millis(d) } else { micros(d) };
        let cpu = (m.cpu_invocations > 0).then(|| m.cpu / m.cpu_invocations as u32);
        let rss_delta = match (m.peak_rss_kib, noop_rss) {
            (Some(a), Some(b)) => format!("{:+.2} MiB", (a as f64 - b as f64) / 1024.0),
            _ => "n/a".into(),
        };
        println!(
            "| {} | {} | {} | {} | {} | {} | {} | {} | {} |",
            s.label,
            cold.map_or("n/a".into(), |c| millis(c.p50)),
            first.map_or("n/a".into(), |f| fmt(f.p50)),
            warm.map_or("n/a".into(), |w| fmt(w.p50)),
            warm.map_or("n/a".into(), |w| fmt(w.p99)),
            match (warm, noop_p50) {
                (Some(w), Some(n)) => ratio(w.p50, n),
                _ => "n/a".into(),
            },
            cpu.map_or("n/a".into(), fmt),
            rss(m.peak_rss_kib),
            rss_delta,
        );
    }
    println!(
        "\nSpread (warm min / mean / p90 / max; cold start min / p90 / max), resident memory at the end \
         (anonymous / file-backed), and log bytes per warm invocation:\n"
    );
    println!(
        "| function | warm min | warm mean | warm p90 | warm max | cold min | cold p90 | cold max | RssAnon | RssFile | log bytes / invocation |"
    );
    println!("|---|---|---|---|---|---|---|---|---|---|---|");
    for (s, m) in list.iter().zip(results) {
        let (Some(w), Some(c)) = (Summary::of(&m.warm), Summary::of(&m.cold)) else { continue };
        let fmt = |d: Duration| if s.login.is_some() { millis(d) } else { micros(d) };
        let invocations = (m.warm.len() + warm_up(s.invocations)).max(1);
        let mean = m.warm.iter().sum::<Duration>() / m.warm.len().max(1) as u32;
        let kib = |k: Option<u64>| k.map_or("n/a".into(), |k| format!("{:.2} MiB", k as f64 / 1024.0));
        println!(
            "| {} | {} | {} | {} | {} | {} | {} | {} | {} | {} | {:.0} |",
            s.name,
            fmt(w.min),
            fmt(mean),
            fmt(w.p90),
            fmt(w.max),
            millis(c.min),
            millis(c.p90),
            millis(c.max),
            kib(m.memory.map(|m| m.anon_kib)),
            kib(m.memory.map(|m| m.file_kib)),
            m.log_bytes as f64 / invocations as f64
        );
    }
    login_report(list, results);
    targets(list, results, noop_p50, noop_rss);
}

fn targets(list: &[Scenario], results: &[Measured], noop_p50: Option<Duration>, noop_rss: Option<u64>) {
    let Some(i) = list.iter().position(|s| s.name == "check-token") else { return };
    let m = &results[i];
    let (Some(warm), Some(cold)) = (Summary::of(&m.warm), Summary::of(&m.cold)) else { return };
    println!("\nTargets (check-token):\n");
    let verdict = |ok: bool| if ok { "met" } else { "MISSED" };
    if let Some(n) = noop_p50 {
        let r = warm.p50.as_secs_f64() / n.as_secs_f64();
        println!("- warm p50 ≤ 1.15× noop: {:.2}× — {}", r, verdict(r <= 1.15));
    }
    println!("- cold start ≤ 5 ms: p50 {} — {}", millis(cold.p50), verdict(cold.p50 <= Duration::from_millis(5)));
    if let (Some(a), Some(b)) = (m.peak_rss_kib, noop_rss) {
        let delta = a as f64 - b as f64;
        println!("- peak RSS ≤ noop + 1 MiB: {:+.2} MiB — {}", delta / 1024.0, verdict(delta <= 1024.0));
    }
    let success = list.iter().zip(results).find(|(s, _)| s.login == Some(Login::Success));
    if let Some(floor) = success.and_then(|(s, m)| LoginFloor::of(s, m)) {
        let r = floor.login.as_secs_f64() / floor.total().as_secs_f64();
        println!("- login ≤ 1.1× (argon2 verify + reservation + reset): {:.2}× — {}", r, verdict(r <= 1.1));
    }
}

/// A login's p50 beside the p50s of the steps it is made of, done directly.
struct LoginFloor {
    login: Duration,
    /// argon2id verify; a refresh has none.
    argon2: Option<Duration>,
    /// The store calls, named.
    calls: Vec<(&'static str, Duration)>,
}

impl LoginFloor {
    fn of(s: &Scenario, m: &Measured) -> Option<Self> {
        let p50 = |samples: &[Duration]| Summary::of(samples).map(|s| s.p50);
        let f = &m.floors;
        let (argon2, calls) = match s.login? {
            Login::Success => (
                Some(p50(&f.argon2)?),
                vec![
                    ("reservation", p50(&f.reserve)?),
                    ("reset", p50(&f.reset)?),
                    ("session PutItem", p50(&f.session)?),
                ],
            ),
            Login::WrongPassword => (Some(p50(&f.argon2)?), vec![("reservation", p50(&f.reserve)?)]),
            Login::UnknownUser => (Some(p50(&f.argon2)?), vec![("refused reservation", p50(&f.refused)?)]),
            Login::Refresh => (None, refresh::floor(f, p50)?),
        };
        Some(Self { login: p50(&m.warm)?, argon2, calls })
    }

    fn total(&self) -> Duration {
        self.argon2.unwrap_or_default() + self.calls.iter().map(|(_, d)| *d).sum::<Duration>()
    }
}

fn login_report(list: &[Scenario], results: &[Measured]) {
    let floors: Vec<(&Scenario, LoginFloor)> =
        list.iter().zip(results).filter_map(|(s, m)| Some((s, LoginFloor::of(s, m)?))).collect();
    if floors.is_empty() {
        return;
    }
    println!(
        "\nLogins and refreshes against their floors, p50: argon2id verify (OWASP parameters, in the harness on the \
         function's CPU) and the store calls each makes (bare HTTP to the same moto, with the store's expressions), \
         timed between the function's batches. An unknown user's reservation fails its condition and writes nothing.\n"
    );
    println!("| request | p50 | argon2id verify | store calls | floor | ÷ floor |");
    println!("|---|---|---|---|---|---|");
    for (s, f) in &floors {
        let calls: Vec<String> = f.calls.iter().map(|(name, d)| format!("{name} {}", millis(*d))).collect();
        println!(
            "| {} | {} | {} | {} | {} | {} |",
            s.label,
            millis(f.login),
            f.argon2.map_or("none".into(), millis),
            calls.join(" + "),
            millis(f.total()),
            ratio(f.login, f.total()),
        );
    }
    let p50 = |login: Login| floors.iter().find(|(s, _)| s.login == Some(login)).map(|(_, f)| f.login);
    if let (Some(unknown), Some(wrong)) = (p50(Login::UnknownUser), p50(Login::WrongPassword)) {
        let gap = (unknown.as_secs_f64() - wrong.as_secs_f64()) * 1e3;
        println!(
            "\nUnknown user against wrong password, p50: {} against {} ({gap:+.2} ms).",
            millis(unknown),
            millis(wrong)
        );
    }
    if let (Some(refresh), Some(login)) = (p50(Login::Refresh), p50(Login::Success)) {
        println!(
            "\nRefresh against login, p50: {} against {} ({}).",
            millis(refresh),
            millis(login),
            ratio(refresh, login)
        );
    }
}

/// One row per build: each function against that build's own noop.
pub(crate) fn variant_report(args: &Args, list: &[Scenario], results: &[Measured]) {
    println!(
        "Builds compared in one run: {} cold starts and {} warm invocations per function, {} interleaved rounds.\n",
        args.cold, args.invocations, args.rounds
    );
    println!(
        "| build | check-token size | noop warm p50 | check-token warm p50 (÷ noop) | hello warm p50 (÷ noop) | \
         cold start p50 noop / check-token / hello | check-token CPU / invocation | peak RSS noop / check-token / hello |"
    );
    println!("|---|---|---|---|---|---|---|---|");
    for (variant, dir) in &args.variants {
        let find = |name: &str| list.iter().position(|s| &s.variant == variant && s.name == name);
        let (Some(n), Some(c), Some(h)) = (find("noop"), find("check-token"), find("hello")) else { continue };
        let p50 = |i: usize| Summary::of(&results[i].warm).map(|w| w.p50).unwrap_or_default();
        let cold = |i: usize| Summary::of(&results[i].cold).map(|w| w.p50).unwrap_or_default();
        let cpu = |i: usize| results[i].cpu / results[i].cpu_invocations.max(1) as u32;
        let size = std::fs::metadata(dir.join("check-token")).map(|m| m.len()).unwrap_or(0);
        println!(
            "| {variant} | {:.2} MiB | {} | {} ({}) | {} ({}) | {} / {} / {} | {} | {} / {} / {} |",
            size as f64 / 1048576.0,
            micros(p50(n)),
            micros(p50(c)),
            ratio(p50(c), p50(n)),
            micros(p50(h)),
            ratio(p50(h), p50(n)),
            millis(cold(n)),
            millis(cold(c)),
            millis(cold(h)),
            micros(cpu(c)),
            rss(results[n].peak_rss_kib),
            rss(results[c].peak_rss_kib),
            rss(results[h].peak_rss_kib),
        );
    }
}

/// Prints the medians criterion saved under `dir` (`<group>/<bench>/new/estimates.json`).
pub fn criterion_table(dir: &Path) {
    let mut rows = BTreeMap::new();
    let mut stack = vec![dir.to_path_buf()];
    while let Some(path) = stack.pop() {
        let Ok(entries) = std::fs::read_dir(&path) else { continue };
        for entry in entries.flatten() {
            let p = entry.path();
            if p.is_dir() && p.file_name().is_some_and(|n| n != "report" && n != "base" && n != "change") {
                stack.push(p);
            } else if p.ends_with("new/estimates.json") {
                let read = |name: &str| -> Option<Value> {
                    serde_json::from_str(&std::fs::read_to_string(p.with_file_name(name)).ok()?).ok()
                };
                let (Some(estimates), Some(benchmark)) = (read("estimates.json"), read("benchmark.json")) else {
                    continue;
                };
                let id = benchmark["full_id"].as_str().unwrap_or("?").to_string();
                let median = &estimates["median"];
                let ns = |v: &Value| v.as_f64().unwrap_or(f64::NAN);
                rows.insert(
                    id,
                    (
                        ns(&median["point_estimate"]),
                        ns(&median["confidence_interval"]["lower_bound"]),
                        ns(&median["confidence_interval"]["upper_bound"]),
                    ),
                );
            }
        }
    }
    let show = |ns: f64| {
        if ns >= 1e6 {
            format!("{:.2} ms", ns / 1e6)
        } else if ns >= 1e3 {
            format!("{:.2} µs", ns / 1e3)
        } else {
            format!("{ns:.0} ns")
        }
    };
    println!("| benchmark | median | 95% CI of the median |");
    println!("|---|---|---|");
    for (id, (median, low, high)) in rows {
        println!("| {id} | {} | {} – {} |", show(median), show(low), show(high));
    }
}
