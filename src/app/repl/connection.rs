//! The shell's connection to one site: logging in (asking for a password at most once), the
//! login and current remote directories, and logging in again, back in the same directory,
//! when the server dropped the session (an idle timeout's 421, a closed socket).

use std::sync::Arc;

use anyhow::{Context as _, Result, bail};

use crate::app::context::Context;
use crate::app::progress::ProgressMode;
use crate::app::settings;
use crate::app::target::Target;
use crate::cli::GlobalArgs;
use crate::engine::{Error, Session, TlsMode, Trace, join_remote};
use crate::proto::ReplyCode;

pub struct Connection {
    /// The site as the user named it (no password filled in): what `bookmark add` saves.
    pub site: Target,
    /// The site with the credentials resolved at the first login, for logging in again.
    login: Target,
    /// The flags in force for this site (command line, bookmark, `set`).
    pub ctx: Context,
    session: Option<Session>,
    /// The directory the server put us in at login.
    pub home: String,
    /// The current remote directory, as PWD reported it.
    pub cwd: String,
    /// For `cd -`.
    pub previous: Option<String>,
}

impl Connection {
    pub async fn open(
        target: Target,
        args: GlobalArgs,
        trace: Option<Arc<dyn Trace>>,
        interactive: bool,
    ) -> Result<Self> {
        let mut ctx = Context::new(args);
        ctx.trace = trace;
        ctx.interactive = interactive;
        let credentials = settings::credentials_for(&ctx.args, &target)?;
        let mut login = target.clone();
        login.user = Some(credentials.user.clone());
        login.password = Some(credentials.password.expose().to_string());
        let mut session = ctx.connect(&login).await?;
        let home = clean_dir(session.pwd().await.context("asking for the login directory")?);
        let cwd = match target.remote_path() {
            Some(path) => {
                session.cwd(path).await.with_context(|| format!("changing to {}", crate::app::escape(path)))?;
                clean_dir(session.pwd().await.context("asking for the current directory")?)
            }
            None => home.clone(),
        };
        Ok(Self { site: target, login, ctx, session: Some(session), home, cwd, previous: None })
    }

    /// The logged-in session, logging in again first when the last one was lost.
    pub async fn session(&mut self) -> Result<&mut Session> {
        if self.session.is_none() {
            let session = self.login_again().await?;
            self.session = Some(session);
        }
        match self.session.as_mut() {
            Some(session) => Ok(session),
            None => bail!("not connected"),
        }
    }

    /// The session, if one is open, without logging in.
    pub fn current(&mut self) -> Option<&mut Session> {
        self.session.as_mut()
    }

    /// The site with the credentials of the first login.
    pub fn login(&self) -> &Target {
        &self.login
    }

    /// `path` on this site (relative to the current remote directory, or absolute), with the
    /// credentials of the login; `is_dir`: it names a directory. A target's path is relative
    /// to the login directory, where every other session of a transfer starts: outside it,
    /// a relative path is made absolute.
    pub fn target(&self, path: &str, is_dir: bool) -> Target {
        let path = match path {
            _ if path.starts_with('/') || self.cwd == self.home => path.to_string(),
            "" => self.cwd.clone(),
            _ => join_remote(&self.cwd, path),
        };
        Target { path, is_dir, ..self.login.clone() }
    }

    /// The flags in force and the session, logged in, lent to a transfer for one command:
    /// its first session, which it drops (the next command logs in again) when it finds it
    /// out of step.
    pub async fn lend(&mut self) -> Result<(&Context, &mut Option<Session>)> {
        self.session().await?;
        Ok((&self.ctx, &mut self.session))
    }

    async fn login_again(&mut self) -> Result<Session> {
        let mut session = self.ctx.connect(&self.login).await?;
        if let Err(e) = session.cwd(&self.cwd).await {
            eprintln!(
                "pasv: warning: cannot return to {} ({}); now in {}",
                crate::app::escape(&self.cwd),
                crate::app::escape(&e.to_string()),
                crate::app::escape(&self.home)
            );
            self.cwd = session.pwd().await.unwrap_or_else(|_| self.home.clone());
        }
        Ok(session)
    }

    /// Forgets the session without QUIT: the server is gone or out of step. The next command
    /// logs in again.
    pub fn drop_session(&mut self) {
        self.session = None;
    }

    pub fn connected(&self) -> bool {
        self.session.is_some()
    }

    /// QUIT, politely; the connection is over either way.
    pub async fn close(mut self) {
        if let Some(session) = self.session.take() {
            let _ = tokio::time::timeout(std::time::Duration::from_secs(3), session.quit()).await;
        }
    }

    /// The user logged in as (`anonymous` when the site names none).
    pub fn user(&self) -> &str {
        self.login.user.as_deref().unwrap_or("anonymous")
    }

    pub fn host(&self) -> &str {
        &self.site.endpoint.host
    }

    /// The TLS mode in force (the URL's, or explicit with `--tls`).
    pub fn tls(&self) -> TlsMode {
        settings::tls_mode(&self.site, &self.ctx.args)
    }

    /// The password used at login, for `bookmark add --save-password`.
    pub fn password(&self) -> Option<&str> {
        self.login.password.as_deref()
    }

    /// The current directory relative to the login directory when it is inside it ("" for
    /// the login directory itself), else absolute: the path a bookmark URL should carry.
    pub fn bookmark_path(&self) -> String {
        if self.cwd == self.home {
            return String::new();
        }
        let home = self.home.trim_end_matches('/');
        match self.cwd.strip_prefix(home).and_then(|rest| rest.strip_prefix('/')) {
            Some(rest) if !rest.is_empty() => rest.to_string(),
            _ => self.cwd.clone(),
        }
    }

    /// Applies new flags to this site: the data-connection policy takes effect on the open
    /// session; timeouts and TLS are checked now and need a new login, which happens with the
    /// next command. Either way the site's settings are resolved again at the next login.
    pub fn reconfigure(&mut self, args: GlobalArgs, relogin: bool) -> Result<()> {
        if relogin {
            settings::config_for(&args, &self.site)?;
        }
        let policy = settings::data_connection(&args);
        self.ctx.progress = ProgressMode::resolve(&args);
        self.ctx.set_args(args);
        if relogin {
            self.login.tls = self.site.tls;
            self.drop_session();
        } else if let Some(session) = self.session.as_mut() {
            session.set_data_connection(policy);
        }
        Ok(())
    }
}

/// A directory as PWD reported it, without the trailing `/` some servers echo back.
pub fn clean_dir(dir: String) -> String {
    if dir.len() > 1 && dir.ends_with('/') { dir.trim_end_matches('/').to_string() } else { dir }
}

/// The server closed the session (idle timeout, restart): a new login may well work.
pub fn is_lost(err: &anyhow::Error) -> bool {
    err.chain().filter_map(|c| c.downcast_ref::<Error>()).any(|e| {
        matches!(e, Error::ControlClosed | Error::ControlIo(_) | Error::Unavailable { .. })
            || e.reply_code() == Some(ReplyCode::NOT_AVAILABLE)
    })
}

/// The session may be out of step after this error (a reply that came too late, a transfer
/// that never finished): do not send another command on it.
pub fn is_out_of_step(err: &anyhow::Error) -> bool {
    err.chain().filter_map(|c| c.downcast_ref::<Error>()).any(|e| {
        matches!(e, Error::Timeout { .. } | Error::NoCompletion | Error::Reply(_) | Error::TlsTruncated { .. })
    })
}
