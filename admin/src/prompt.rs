//! Where a new password comes from: typed twice at the terminal without echo,
//! or one line of standard input (`--password-stdin`). Never the command line.

use std::io::{self, BufRead, IsTerminal, Write};

use users::check_password;

use crate::AdminError;

/// Reads a password without echo. The binary uses [`TerminalPrompt`]; tests script it.
pub trait PasswordPrompt {
    /// Whether there is a terminal to prompt on.
    fn is_terminal(&self) -> bool;
    fn read_hidden(&mut self, prompt: &str) -> io::Result<String>;
}

/// Prompts on the controlling terminal with `rpassword`, when standard input is one.
#[derive(Debug, Default)]
pub struct TerminalPrompt;

impl PasswordPrompt for TerminalPrompt {
    fn is_terminal(&self) -> bool {
        io::stdin().is_terminal()
    }

    fn read_hidden(&mut self, prompt: &str) -> io::Result<String> {
        rpassword::prompt_password(prompt)
    }
}

/// The handles a command reads and writes.
pub struct Io<'a> {
    pub stdin: &'a mut dyn BufRead,
    pub stdout: &'a mut dyn Write,
    pub prompt: &'a mut dyn PasswordPrompt,
}

/// The new password: one line of standard input, or typed twice at the terminal.
pub fn new_password(io: &mut Io<'_>, username: &str, from_stdin: bool) -> Result<String, AdminError> {
    let password = if from_stdin {
        let mut line = String::new();
        let read = io
            .stdin
            .read_line(&mut line)
            .map_err(|err| AdminError::Invalid(format!("cannot read the password from standard input: {err}")))?;
        if read == 0 {
            return Err(AdminError::Invalid("no password on standard input".into()));
        }
        strip_line_ending(line)
    } else {
        if !io.prompt.is_terminal() {
            return Err(AdminError::Invalid(
                "standard input is not a terminal: pass the password on standard input with --password-stdin".into(),
            ));
        }
        let prompt_error = |err: io::Error| AdminError::Invalid(format!("cannot read the password: {err}"));
        let first = io.prompt.read_hidden(&format!("New password for {username}: ")).map_err(prompt_error)?;
        let second = io.prompt.read_hidden("Repeat it: ").map_err(prompt_error)?;
        if first != second {
            return Err(AdminError::Invalid("the two passwords differ".into()));
        }
        first
    };
    check_password(&password)?;
    Ok(password)
}

fn strip_line_ending(mut line: String) -> String {
    if line.ends_with('\n') {
        line.pop();
        if line.ends_with('\r') {
            line.pop();
        }
    }
    line
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn only_one_line_ending_is_stripped() {
        assert_eq!(strip_line_ending("pw\n".into()), "pw");
        assert_eq!(strip_line_ending("pw\r\n".into()), "pw");
        assert_eq!(strip_line_ending("pw".into()), "pw");
        assert_eq!(strip_line_ending(" pw \n".into()), " pw ", "spaces are part of the password");
    }
}
