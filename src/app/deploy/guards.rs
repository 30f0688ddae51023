//! What keeps a deploy from wiping a site: `--max-delete` (a bound on deletes, checked
//! before anything changes) and `--protect` (paths never deleted nor overwritten; the state
//! file, pasv's staging directory and `.well-known/**` always are).
//!
//! The rest of the guarding is in the plan's shape: deletes come only from a trusted state
//! (files pasv put there itself; names it wrote, checked when read), never from a listing,
//! so a missing, unreadable or foreign state file deletes nothing, and a name a listing could
//! not parse is never a candidate.

use anyhow::{Result, bail};

use super::plan::Plan;
use crate::app::settings::usage;

/// Deletes a run may do without `--max-delete`: this many files, or this share of the files
/// the state lists, whichever is more.
const DEFAULT_COUNT: u64 = 10;
const DEFAULT_PERCENT: f64 = 10.0;

/// `--max-delete N` or `N%`.
#[derive(Debug, Clone, Copy, PartialEq)]
pub enum DeleteLimit {
    Count(u64),
    Percent(f64),
    /// Not given: the larger of [`DEFAULT_COUNT`] and [`DEFAULT_PERCENT`].
    Default,
}

impl DeleteLimit {
    pub fn parse(text: Option<&str>) -> Result<Self> {
        let Some(text) = text else { return Ok(Self::Default) };
        let t = text.trim();
        let parsed = match t.strip_suffix('%') {
            Some(p) => {
                p.trim().parse::<f64>().ok().filter(|p| p.is_finite() && (0.0..=100.0).contains(p)).map(Self::Percent)
            }
            None => t.parse::<u64>().ok().map(Self::Count),
        };
        match parsed {
            Some(limit) => Ok(limit),
            None => bail!(usage(format!("--max-delete {text:?}: use a number of files (20) or a percentage (5%)"))),
        }
    }

    /// How many deletes are allowed when the state lists `owned` files.
    pub fn allows(self, owned: u64) -> u64 {
        let share = |p: f64| (owned as f64 * p / 100.0).floor() as u64;
        match self {
            Self::Count(n) => n,
            Self::Percent(p) => share(p),
            Self::Default => DEFAULT_COUNT.max(share(DEFAULT_PERCENT)),
        }
    }

    fn shown(self) -> String {
        match self {
            Self::Count(n) => format!("--max-delete {n}"),
            Self::Percent(p) => format!("--max-delete {p}%"),
            Self::Default => {
                format!("the default limit ({DEFAULT_COUNT} files or {DEFAULT_PERCENT}%, whichever is more)")
            }
        }
    }
}

/// More deletes planned than allowed: the run stops before changing anything.
#[derive(Debug, thiserror::Error)]
#[error(
    "this deploy would delete {planned} of the {owned} files the state lists, more than {limit} allows ({allowed}): \
     stopped before changing anything. Check that the source directory is the complete build (an empty or \
     partial build looks like a mass delete); if the deletes are intended, raise --max-delete (e.g. --max-delete 100%)"
)]
pub struct TooManyDeletes {
    pub planned: u64,
    pub owned: u64,
    pub allowed: u64,
    pub limit: String,
}

/// Checks the plan's deletes against `limit`, `owned` being the files the state lists.
/// Without `--max-delete`, a run never deletes every file of a site (an empty build
/// directory), however small the site.
pub fn check_deletes(plan: &Plan, owned: u64, limit: DeleteLimit) -> Result<(), TooManyDeletes> {
    check_count(plan.deletes.len() as u64, owned, limit)
}

/// [`check_deletes`] for `planned` files leaving a site whose state lists `owned`.
pub fn check_count(planned: u64, owned: u64, limit: DeleteLimit) -> Result<(), TooManyDeletes> {
    let mut allowed = limit.allows(owned);
    if limit == DeleteLimit::Default && planned == owned {
        allowed = allowed.min(owned.saturating_sub(1));
    }
    if planned > allowed {
        return Err(TooManyDeletes { planned, owned, allowed, limit: limit.shown() });
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::app::deploy::protect::Protect;

    #[test]
    fn protects_the_defaults_and_what_is_asked() {
        let p = Protect::new(&[".htaccess".into(), "uploads/**".into()], ".pasv-deploy.json").unwrap();
        for rel in [".well-known/acme-challenge/x", ".pasv-deploy.json", ".htaccess", "a/.htaccess", "uploads/a/b.jpg"]
        {
            assert!(p.covers(rel), "{rel}");
        }
        for rel in ["index.html", "well-known/x", "uploads"] {
            assert!(!p.covers(rel), "{rel}");
        }
        assert!(p.covers(".pasv-deploy.json.pasv-part"));
        assert!(p.covers(".pasv-deploy-staging/a/b"));
        assert!(p.covers_dir(".well-known"));
        assert!(p.covers_dir("uploads"));
        assert!(p.covers_dir(".pasv-deploy-staging"));
        assert!(!p.covers_dir("img"));
        // The deploy lock, a stale one moved aside, a clock file beside it.
        assert!(p.covers_dir(".pasv-deploy.json.lock") && p.covers(".pasv-deploy.json.lock/owner"));
        assert!(p.covers_dir(".pasv-deploy.json.lock.stale-1") && p.covers(".pasv-deploy.json.lock.clock-1"));
        assert!(!p.covers(".pasv-deploy.json.locks") && !p.covers_dir("lock"));
        for own in [".pasv-deploy.json.lock", ".pasv-deploy.json.lock.stale-1", ".pasv-deploy.json.pasv-part"] {
            assert!(Protect::is_pasv_own(own, ".pasv-deploy.json"), "{own}");
        }
        assert!(!Protect::is_pasv_own(".pasv-deploy.json.locks", ".pasv-deploy.json"));
        // Asked for by name where a listing may hide dot entries.
        let p = Protect::new(&[".htaccess".into(), "/.env/**".into(), ".*.swp".into(), "a/.b".into()], "s").unwrap();
        assert_eq!(p.dot_names("").collect::<Vec<_>>(), [".well-known", ".htaccess", ".env"]);
        assert_eq!(p.dot_names("css").collect::<Vec<_>>(), [".htaccess"]);
    }

    #[test]
    fn parses_and_applies_delete_limits() {
        assert_eq!(DeleteLimit::parse(None).unwrap(), DeleteLimit::Default);
        assert_eq!(DeleteLimit::parse(Some("20")).unwrap(), DeleteLimit::Count(20));
        assert_eq!(DeleteLimit::parse(Some("5%")).unwrap(), DeleteLimit::Percent(5.0));
        for bad in ["", "-1", "five", "150%", "1.5"] {
            assert!(DeleteLimit::parse(Some(bad)).is_err(), "{bad}");
        }
        assert_eq!(DeleteLimit::Default.allows(50), 10);
        assert_eq!(DeleteLimit::Default.allows(20_000), 2_000);
        assert_eq!(DeleteLimit::Percent(5.0).allows(100), 5);
        assert_eq!(DeleteLimit::Count(0).allows(100), 0);

        let plan = Plan { deletes: vec!["a".into(), "b".into(), "c".into()], ..Plan::default() };
        assert!(check_deletes(&plan, 100, DeleteLimit::Count(3)).is_ok());
        let err = check_deletes(&plan, 100, DeleteLimit::Count(2)).unwrap_err();
        assert_eq!((err.planned, err.allowed), (3, 2));
        assert!(err.to_string().contains("stopped before changing anything"), "{err}");
        // Every file of a small site: only when asked for.
        assert!(check_deletes(&plan, 3, DeleteLimit::Default).is_err());
        assert!(check_deletes(&plan, 4, DeleteLimit::Default).is_ok());
        assert!(check_deletes(&plan, 3, DeleteLimit::Count(3)).is_ok());
    }
}
