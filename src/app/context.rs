//! What every command needs, settled once per run: the flags, the output, progress and trace
//! settings, and each server's settings and credentials, resolved once and shared by every
//! session of the run (`engine::Settings`), with trust on first use for the shell.

use std::sync::Arc;

use anyhow::{Context as _, Result, bail};

use super::known_hosts;
use super::progress::{ProgressMode, say};
use super::render::Output;
use super::settings;
use super::target::Target;
use crate::cli::GlobalArgs;
use crate::engine::{Config, Credentials, Error, Session, Settings, Trace};

/// What every command needs: the flags, the output, progress and trace settings, and the
/// settings of each server, resolved once per run.
pub struct Context {
    pub args: GlobalArgs,
    pub out: Output,
    pub progress: ProgressMode,
    pub trace: Option<Arc<dyn Trace>>,
    /// A person is at the keyboard (the interactive shell): an unknown certificate may be
    /// trusted on first use after asking. Scripts never ask.
    pub interactive: bool,
    /// Credentials already settled, by how they were asked for: the sessions of a pool (and
    /// its reconnects) log in with them instead of reading netrc or prompting again.
    logins: std::sync::Mutex<Vec<(LoginKey, Credentials)>>,
    /// The settings of each server this run connects to, resolved at the first connection
    /// and shared by every session after it (`Context::site`).
    sites: std::sync::Mutex<Vec<Site>>,
    /// The `--insecure` warning was printed (once per run, not per session).
    warned_insecure: std::sync::atomic::AtomicBool,
}

/// What decides a login: the server, the user named in the URL or by `--user`, and where a
/// password could come from.
#[derive(PartialEq)]
struct LoginKey {
    endpoint: crate::engine::Endpoint,
    url_user: Option<String>,
    url_password: Option<String>,
    user: Option<String>,
    user_password: Option<crate::cli::Password>,
    password_env: Option<String>,
}

/// The configuration of one server under this run's flags, before its TLS is set up.
pub struct SiteConfig {
    /// The flags with the bookmark's pins and password variable.
    pub args: GlobalArgs,
    pub config: Config,
    pub trust: Trust,
}

/// What trust on first use knows about a server's certificate.
#[derive(Clone)]
pub struct Trust {
    /// It decides: TLS is on and the user chose no other trust (`known_hosts::applies`).
    pub first_use: bool,
    /// The pin `known_hosts` holds for the server, already in the configuration.
    pub known: Option<String>,
}

/// One server's settings, resolved.
#[derive(Clone)]
pub(crate) struct Site {
    target: Target,
    pub(crate) settings: Arc<Settings>,
    trust: Trust,
}

impl Context {
    pub fn new(args: GlobalArgs) -> Self {
        let trace: Option<Arc<dyn Trace>> =
            if args.verbose { Some(Arc::new(super::trace::TraceWriter::stderr())) } else { None };
        Self {
            out: Output::new(args.json),
            progress: ProgressMode::resolve(&args),
            trace,
            args,
            interactive: false,
            logins: Default::default(),
            sites: Default::default(),
            warned_insecure: Default::default(),
        }
    }

    /// New flags (the shell's `set`): settings resolved under the old ones are dropped, and the
    /// next connection resolves them again.
    pub fn set_args(&mut self, args: GlobalArgs) {
        self.args = args;
        self.sites.get_mut().unwrap_or_else(|e| e.into_inner()).clear();
    }

    /// The configuration of `target`: the flags, a bookmark's pins and password variable
    /// (named instead of a URL), and the key `known_hosts` remembers for it.
    pub fn site_config(&self, target: &Target) -> Result<SiteConfig> {
        let args = super::config_file::effective_args(&self.args, target);
        let mut config = settings::config_for(&args, target)?;
        // Trust on first use applies only where the user chose no other trust.
        let first_use = known_hosts::applies(&config.tls);
        let known = known_hosts::apply(&mut config.tls, &target.endpoint.host, target.endpoint.port);
        Ok(SiteConfig { args, config, trust: Trust { first_use, known } })
    }

    /// The settings of `target`'s server: resolved (flags, config file, bookmark, netrc,
    /// environment, known_hosts) and their TLS set up at the first call, the same value at
    /// every later one. Every session opened there shares them.
    pub(crate) fn site(&self, target: &Target) -> Result<Site> {
        if let Some(site) = self.find_site(target) {
            return Ok(site);
        }
        let site = self.resolve(target)?;
        let mut sites = self.sites.lock().unwrap_or_else(|e| e.into_inner());
        sites.push(site.clone());
        Ok(site)
    }

    fn find_site(&self, target: &Target) -> Option<Site> {
        let sites = self.sites.lock().unwrap_or_else(|e| e.into_inner());
        sites.iter().find(|s| s.target.same_session(target)).cloned()
    }

    fn resolve(&self, target: &Target) -> Result<Site> {
        let SiteConfig { args, config, trust } = self.site_config(target)?;
        if config.tls.insecure && !self.warned_insecure.swap(true, std::sync::atomic::Ordering::Relaxed) {
            say(
                "pasv: warning: --insecure: the server's certificate is NOT verified; anyone on the path can read and change this session",
            );
        }
        let credentials = self.credentials(&args, target)?;
        let context = connecting(&target.endpoint, &credentials);
        let settings = Settings::new(target.endpoint.clone(), credentials, config).context(context)?;
        Ok(Site { target: target.clone(), settings, trust })
    }

    /// A session on `target`'s settings (`Context::site`).
    pub async fn connect(&self, target: &Target) -> Result<Session> {
        self.connect_via(target, |settings| Ok(settings.clone())).await
    }

    /// A session on settings made from `target`'s by `derive` (a pool adds its rate limit).
    /// An untrusted certificate that the user trusts on first use changes the server's
    /// settings once, for every later session, and `derive` is asked again.
    pub async fn connect_via(
        &self,
        target: &Target,
        derive: impl Fn(&Arc<Settings>) -> Result<Arc<Settings>, Error>,
    ) -> Result<Session> {
        let site = self.site(target)?;
        let endpoint = &target.endpoint;
        let context = || connecting(endpoint, site.settings.credentials());
        let settings = derive(&site.settings).with_context(context)?;
        let first = Session::open(&settings, self.trace.clone()).await;
        let seen = match &first {
            Err(Error::TlsHandshake { pin: Some(seen), .. }) if site.trust.first_use => seen.clone(),
            _ => return first.with_context(context),
        };
        if let Some(known) = &site.trust.known {
            if *known != seen {
                bail!(Error::TlsSetup {
                    detail: format!(
                        "the certificate of {}:{} CHANGED: known key {known}, now {seen}. This may be an attack; \
                         if the change is expected, remove the line from {}",
                        endpoint.host,
                        endpoint.port,
                        known_hosts::path().map(|p| p.display().to_string()).unwrap_or_default()
                    )
                });
            }
            return first.with_context(context);
        }
        if !self.interactive || !ask_trust(&endpoint.host, endpoint.port, &seen)? {
            return first.with_context(context);
        }
        if let Err(e) = known_hosts::remember(&endpoint.host, endpoint.port, &seen) {
            say(&format!("pasv: warning: cannot remember the certificate: {e}"));
        }
        let trusted = self.trust(&site, seen).with_context(context)?;
        let settings = derive(&trusted).with_context(context)?;
        Session::open(&settings, self.trace.clone()).await.with_context(context)
    }

    /// The server's settings with the key the user just trusted pinned, in place of the old
    /// ones for the rest of the run.
    fn trust(&self, site: &Site, pin: String) -> Result<Arc<Settings>, Error> {
        let settings = site.settings.adjusted(|c| c.tls.pins = vec![pin.clone()])?;
        let mut sites = self.sites.lock().unwrap_or_else(|e| e.into_inner());
        if let Some(entry) = sites.iter_mut().find(|s| s.target.same_session(&site.target)) {
            entry.settings = settings.clone();
            entry.trust.known = Some(pin);
        }
        Ok(settings)
    }

    /// The credentials for `target`, settled once per run (`settings::credentials_for`).
    pub fn credentials(&self, args: &GlobalArgs, target: &Target) -> Result<Credentials> {
        let key = LoginKey {
            endpoint: target.endpoint.clone(),
            url_user: target.user.clone(),
            url_password: target.password.clone(),
            user: args.user.clone(),
            user_password: args.user_password.clone(),
            password_env: args.password_env.clone(),
        };
        let mut logins = self.logins.lock().unwrap_or_else(|e| e.into_inner());
        if let Some((_, known)) = logins.iter().find(|(k, _)| *k == key) {
            return Ok(known.clone());
        }
        let credentials = settings::credentials_for(args, target)?;
        logins.push((key, credentials.clone()));
        Ok(credentials)
    }

    pub fn note(&self, text: &str) {
        if !self.args.quiet && !self.args.json {
            say(text);
        }
    }
}

/// What an error in connecting says it was doing.
fn connecting(endpoint: &crate::engine::Endpoint, credentials: &Credentials) -> String {
    format!("connecting to {}:{} as {}", endpoint.host, endpoint.port, credentials.user)
}

/// Shows the key pin of an unknown certificate and asks whether to trust it.
fn ask_trust(host: &str, port: u16, pin: &str) -> Result<bool> {
    use std::io::{BufRead, Write};
    let mut stderr = std::io::stderr().lock();
    writeln!(stderr, "The certificate of {host}:{port} is not signed by a trusted authority.")?;
    writeln!(stderr, "Its public key: {pin}")?;
    write!(stderr, "Trust this key for {host}:{port} from now on? [y/N] ")?;
    stderr.flush()?;
    let mut answer = String::new();
    std::io::stdin().lock().read_line(&mut answer)?;
    Ok(matches!(answer.trim(), "y" | "Y" | "yes" | "YES" | "Yes"))
}
#[cfg(test)]
mod tests {
    use super::*;
    use crate::engine::DataConnection;

    fn flags() -> GlobalArgs {
        GlobalArgs { no_netrc: true, ..GlobalArgs::default() }
    }

    #[test]
    fn settings_are_resolved_once_per_server_until_the_flags_change() {
        let target = Target::parse("ftp://127.0.0.1:1/").unwrap();
        let mut ctx = Context::new(flags());
        let first = ctx.site(&target).unwrap().settings;
        assert!(Arc::ptr_eq(&first, &ctx.site(&target).unwrap().settings));
        let elsewhere = Target::parse("ftp://127.0.0.1:1/some/dir/").unwrap();
        assert!(Arc::ptr_eq(&first, &ctx.site(&elsewhere).unwrap().settings), "same server and login");
        let bob = Target::parse("ftp://bob:secret@127.0.0.1:1/").unwrap();
        assert_eq!(ctx.site(&bob).unwrap().settings.credentials().user, "bob");
        assert!(!Arc::ptr_eq(&first, &ctx.site(&bob).unwrap().settings), "another login");
        // The shell's `set active on`.
        ctx.set_args(GlobalArgs { active: true, ..flags() });
        let after = ctx.site(&target).unwrap().settings;
        assert!(!Arc::ptr_eq(&first, &after));
        assert_eq!((first.config().data, after.config().data), (DataConnection::default(), DataConnection::Active));
    }

    #[test]
    fn a_key_trusted_on_first_use_replaces_the_settings_once() {
        let target = Target::parse("ftpes://127.0.0.1:1/").unwrap();
        let ctx = Context::new(flags());
        let site = ctx.site(&target).unwrap();
        let pin = "sha256//AAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA=";
        let trusted = ctx.trust(&site, pin.to_string()).unwrap();
        assert_eq!(trusted.config().tls.pins, [pin]);
        assert!(!trusted.tls().unwrap().ptr_eq(site.settings.tls().unwrap()), "a new TLS client, with the pin");
        let again = ctx.site(&target).unwrap();
        assert!(Arc::ptr_eq(&again.settings, &trusted));
        assert_eq!(again.trust.known.as_deref(), Some(pin));
    }
}
