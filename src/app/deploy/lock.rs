//! The deploy lock: one run at a time changes a target. Two CI pushes in quick succession
//! would otherwise both read the state, both upload, and the last save would win, recording
//! files the server may no longer have.
//!
//! The lock is a directory (`.pasv-deploy.json.lock` beside the state file; beside the target
//! with `--release-dir` and `--rollback`, whose switch renames the target): MKD is atomic on
//! every server, it fails when the directory is there. A run takes it only when it is about
//! to change something (a plan with nothing to do and `--dry-run` send no command for it),
//! writes an `owner` file into it (host name, process id, start time: nothing of the URL, user
//! or password) and writes that file again at every checkpoint of the state, and every minute
//! while one stretch of work keeps every session busy (on a session of its own: one upload
//! may take longer than the lock's [`STALE`]), so that its modification time on the server is
//! a heartbeat. The run removes the lock when it ends,
//! with success, an error or Ctrl-C; a killed run leaves it.
//!
//! A run that finds the lock compares the owner's heartbeat with the time of a file it writes
//! itself, both by the server's clock (never this machine's): older than [`STALE`], the owner
//! was killed or lost, and the lock is taken over with a note; otherwise the run stops before
//! changing anything. A plain deploy reads the state before it plans (and takes the lock only
//! once it knows it changes something), so once it holds the lock it makes sure the state file
//! is still the one it read.

use std::time::{Duration, Instant, SystemTime, UNIX_EPOCH};

use anyhow::Result;
use serde::{Deserialize, Serialize};

use super::remote::{Lease, Op, Outcome, Problem, Remote};
use super::state;
use crate::app::interrupt::Pending;
use crate::app::sanitize::escape;
use crate::app::tally::Tally;
use crate::engine::join_remote;
use crate::proto::calendar::unix_to_civil;

/// A lock whose owner was last heard from longer ago than this, by the server's clock, was
/// left by a run that was killed or lost: the next run takes it over. A run is heard from at
/// every checkpoint (every few seconds while files go up) and at least every minute in
/// between; this leaves room for a server slow to answer and clocks that step.
pub const STALE: Duration = Duration::from_secs(10 * 60);

/// The file in the lock directory that says whose it is.
const OWNER: &str = "owner";
/// An owner file is a line of JSON; a larger one is not pasv's.
const OWNER_CAP: u64 = 4096;
/// How often a run tries to take a lock that keeps changing hands under it.
const TRIES: usize = 3;

/// Why a run stops before changing anything. Exit 1, as the deploy's other guards
/// (`--max-delete`, a rollback without a previous release): the server's state prevents the
/// run, and the server answered every command.
#[derive(Debug, thiserror::Error)]
pub enum Refused {
    #[error(
        "another deploy holds the lock {dir} ({owner}; {heard}): stopped before changing anything. A deploy that \
         was killed leaves its lock behind, which expires {minutes} minutes after its owner was last heard from; if \
         no other deploy to this target is running, run again with --break-lock to remove it",
        minutes = STALE.as_secs() / 60
    )]
    Held { dir: String, owner: String, heard: String },
    #[error(
        "a deploy of the other mode holds the lock {dir} ({owner}; {heard}): plain deploys lock in the target, \
         --release-dir and --rollback beside it, and the two must not change one target at once. Stopped before \
         changing anything. A killed run's lock no longer counts {minutes} minutes after it was last heard from; if \
         no other deploy to this target is running, run again with --break-lock to go on regardless",
        minutes = STALE.as_secs() / 60
    )]
    OtherMode { dir: String, owner: String, heard: String },
    #[error(
        "another deploy finished while this one was planning: the state file {state} changed after this run read \
         it. Nothing was changed; run again"
    )]
    Changed { state: String },
    #[error(
        "another deploy took the lock {dir} over ({owner}): this run was not heard from for {minutes} minutes and \
         stopped, leaving the state file and the deletes to that run",
        minutes = STALE.as_secs() / 60
    )]
    TakenOver { dir: String, owner: String },
}

/// The state file as a plain deploy read it, before it planned.
pub struct StateRead {
    /// Its server path.
    pub path: String,
    /// What it held; `None` when there was none. (Kept, not hashed: 2.3 MB on a large site,
    /// and most runs never take the lock.)
    pub bytes: Option<Vec<u8>>,
    /// When the read began (only durations are measured on this machine's clock).
    pub started: Instant,
}

/// What the owner file says (a line of JSON).
#[derive(Debug, Default, Serialize, Deserialize)]
struct Owner {
    #[serde(default)]
    host: String,
    #[serde(default)]
    pid: u32,
    /// UTC, by the owner's clock (for people: staleness goes by the server's).
    #[serde(default)]
    started: String,
}

impl Owner {
    fn this_run() -> Self {
        let secs = SystemTime::now().duration_since(UNIX_EPOCH).map_or(0, |d| d.as_secs() as i64);
        let (year, month, day, hour, min, sec) = unix_to_civil(secs);
        Self {
            host: host_name(),
            pid: std::process::id(),
            started: format!("{year:04}-{month:02}-{day:02} {hour:02}:{min:02}:{sec:02} UTC"),
        }
    }

    /// For a message: who holds a lock, from its owner file (server text, escaped).
    fn describe(bytes: Option<&[u8]>) -> String {
        match bytes.map(serde_json::from_slice::<Owner>) {
            None => "no owner file".into(),
            Some(Ok(o)) => {
                format!("started {} on host {}, process {}", escape(&o.started), escape(&o.host), o.pid)
            }
            Some(Err(_)) => "an owner file that is not pasv's".into(),
        }
    }
}

#[cfg(unix)]
fn host_name() -> String {
    rustix::system::uname().nodename().to_string_lossy().into_owned()
}

#[cfg(not(unix))]
fn host_name() -> String {
    std::env::var("COMPUTERNAME").unwrap_or_default()
}

/// One run's lock on one target.
pub struct Lock {
    /// The lock directory's server path.
    dir: String,
    /// This run's owner file.
    owner: Vec<u8>,
    /// Unique to this run: names its clock file and a stale lock it moves aside.
    id: String,
    /// Held; Ctrl-C is then handed to the run (`interrupt`), so that it removes the lock.
    held: Option<Pending>,
    /// The owner file went in after this run's MKD. Without it the directory is this run's
    /// all the same (MKD made it), and is removed without reading the owner file: the data
    /// connection that failed to write it would fail to read it too, leaving a lock that
    /// stops the next deploys until it expires.
    owner_written: bool,
    /// A plain deploy's state file as it read it, checked once the lock is taken.
    read: Option<StateRead>,
    /// Held, then found another run's (taken over): this run changes nothing more.
    lost: bool,
    /// The other mode's lock directory (a plain deploy locks inside the target, `--release-dir`
    /// and `--rollback` beside it), looked at once this one is taken.
    other: Option<String>,
}

impl Lock {
    /// The lock at `dir` (a server path), not taken yet.
    pub fn new(dir: String) -> Self {
        let mut owner = serde_json::to_vec(&Owner::this_run()).unwrap_or_default();
        owner.push(b'\n');
        let id = super::layout::new_id(SystemTime::now(), std::process::id());
        Self { dir, owner, id, held: None, owner_written: false, read: None, lost: false, other: None }
    }

    /// Once the lock is taken, a run of the other mode must not hold `other` (see
    /// [`Lock::take`]).
    pub fn exclude(&mut self, other: String) {
        self.other = Some(other);
    }

    /// Once the lock is taken, the state file must still be `read`.
    pub fn expect(&mut self, read: StateRead) {
        self.read = Some(read);
    }

    fn owner_path(&self) -> String {
        join_remote(&self.dir, OWNER)
    }

    /// Takes the lock, unless this run holds it already; then checks that no run of the other
    /// mode holds its lock, and, for a plain deploy, that the state file did not change since
    /// it was read (else the lock is removed again).
    ///
    /// The two modes lock in different places: a plain deploy's lock is in the target, and the
    /// target is what `--release-dir` renames. A pipeline moving from one mode to the other can
    /// have one of each running on a target, and a plain run would write into the release just
    /// switched in. Each takes its own lock first and then looks at the other's, so of two that
    /// start together at least one sees the other and stops.
    pub async fn take(&mut self, remote: &mut Remote<'_>, tally: &Tally<'_>) -> Result<()> {
        if self.held.is_some() {
            return Ok(());
        }
        let taken = remote.leased(async |lease| self.take_on(lease, tally).await).await;
        self.settle(remote, tally, taken).await
    }

    /// [`Lock::take`] while `ops` (the listings a scan's first changes ask for) run on the
    /// pool's other sessions ([`Remote::leased_beside`]); returns how the take ended, and the
    /// ops' outcomes and failures.
    pub async fn take_beside(
        &mut self,
        remote: &mut Remote<'_>,
        ops: Vec<Op>,
        tally: &Tally<'_>,
    ) -> (Result<()>, Vec<(Op, Outcome)>, Vec<Problem>) {
        if self.held.is_some() {
            let (done, failures) = remote.run(ops, tally).await;
            return (Ok(()), done, failures);
        }
        let (taken, done, failures) =
            remote.leased_beside(async |lease| self.take_on(lease, tally).await, ops, tally).await;
        (self.settle(remote, tally, taken).await, done, failures)
    }

    /// The commands of [`Lock::take`], on one session.
    async fn take_on(&mut self, lease: &mut Lease<'_>, tally: &Tally<'_>) -> Result<()> {
        self.acquire(lease, tally).await?;
        // What the checks below ask about (the other mode's owner file, the state file, this
        // run's owner file for the server's clock), asked at once where the server answers
        // in order: a round trip instead of three, after the owner file is written.
        let mut looked: Vec<String> = self.other.iter().map(|other| join_remote(other, OWNER)).collect();
        looked.extend(self.read.as_ref().map(|read| read.path.clone()));
        if !looked.is_empty() {
            looked.push(self.owner_path());
            lease.look_ahead(looked).await?;
        }
        let checked = self.check_taken(lease, tally).await;
        lease.forget();
        checked
    }

    /// The checks after the lock is taken: the other mode's lock, and the state file as read.
    async fn check_taken(&mut self, lease: &mut Lease<'_>, tally: &Tally<'_>) -> Result<()> {
        if let Some(other) = self.other.clone() {
            match self.other_free(lease, &other, tally).await {
                Ok(free) => free?,
                // Not knowing is no reason to stop: as before the check, with a warning.
                Err(e) => {
                    let e = format!("{e:#}");
                    let (other, e) = (escape(&other), escape(&e));
                    tally.note(&format!("pasv: warning: could not look at the deploy lock {other}: {e}"));
                }
            }
        }
        if let Some(read) = self.read.take() {
            let owner = self.owner_path();
            match same_state(lease, &read, &owner).await {
                Ok(true) => {}
                Ok(false) => return Err(Refused::Changed { state: escape(&read.path).into_owned() }.into()),
                Err(e) => return Err(e.context("checking that the state file did not change")),
            }
        }
        Ok(())
    }

    /// After the commands: heard from all along when taken (also while a long upload keeps
    /// every session busy), else removed again if this run made it.
    async fn settle(&mut self, remote: &mut Remote<'_>, tally: &Tally<'_>, taken: Result<()>) -> Result<()> {
        match taken {
            Ok(()) => remote.hear_from(Some((self.owner_path(), self.owner.clone()))).await,
            Err(_) => self.release(remote, tally).await,
        }
        taken
    }

    async fn acquire(&mut self, lease: &mut Lease<'_>, tally: &Tally<'_>) -> Result<()> {
        let owner = self.owner_path();
        let shown = escape(&self.dir).into_owned();
        for _ in 0..TRIES {
            let refusal = match lease.make_dir(&self.dir).await? {
                Ok(()) => {
                    self.held = Some(Pending::new());
                    lease.store(&owner, &self.owner).await?;
                    self.owner_written = true;
                    return Ok(());
                }
                Err(refusal) => refusal,
            };
            let theirs = lease.read(&owner, OWNER_CAP).await?;
            if theirs.is_none() && !lease.is_dir(&self.dir).await? {
                return Err(refusal.context("cannot take the deploy lock"));
            }
            // Its heartbeat: the owner file's time; without one (a run killed between its MKD
            // and its first write) the directory's, where the server gives it.
            let dated = if theirs.is_some() { &owner } else { &self.dir };
            let age = self.age(lease, dated).await?;
            let heard = match age {
                Some(age) => format!("last heard from {} ago by the server's clock", shown_age(age)),
                None if theirs.is_none() => "its age is unknown".into(),
                None => "its age is unknown: the server gives no modification times".into(),
            };
            let owner_is = Owner::describe(theirs.as_deref());
            if age.is_none_or(|age| age < STALE) {
                return Err(Refused::Held { dir: shown, owner: owner_is, heard }.into());
            }
            tally.note(&format!(
                "pasv: note: taking over the deploy lock {shown}: {heard}, more than {} minutes, so its run ({owner_is}) \
                 was killed or lost",
                STALE.as_secs() / 60,
            ));
            self.take_over(lease, theirs.as_deref(), tally).await?;
        }
        let heard = "it changed hands while this run tried to take it".into();
        Err(Refused::Held { dir: shown, owner: "another run".into(), heard }.into())
    }

    /// Whether the other mode's lock `other` is free: no owner file there, or one last heard
    /// from longer ago than [`STALE`] (a killed run's: left for its own mode to take over).
    /// Its age by the server's clock, against this run's owner file, just written. The inner
    /// result is the refusal; the outer, a failure to look.
    async fn other_free(&self, lease: &mut Lease<'_>, other: &str, tally: &Tally<'_>) -> Result<Result<()>> {
        let theirs = join_remote(other, OWNER);
        let (size, written) = lease.size_and_modified(&theirs).await?;
        // Without MLST and MDTM nothing came back: SIZE says whether it is there.
        let there =
            size.is_some() || written.is_some() || (!lease.gives_times() && lease.size(&theirs).await?.is_some());
        if !there {
            return Ok(Ok(()));
        }
        let age = match (written, lease.modified(&self.owner_path()).await?) {
            (Some(then), Some(now)) => Some(Duration::from_secs(now.saturating_sub(then).max(0) as u64)),
            _ => None,
        };
        let shown = escape(other).into_owned();
        if let Some(age) = age.filter(|age| *age >= STALE) {
            tally.note(&format!(
                "pasv: note: the deploy lock {shown} (of the other mode: plain deploys lock in the target, \
                 --release-dir beside it) was last heard from {} ago: its run was killed or lost, so it does not \
                 stop this one",
                shown_age(age)
            ));
            return Ok(Ok(()));
        }
        let owner = Owner::describe(lease.read(&theirs, OWNER_CAP).await?.as_deref());
        let heard = match age {
            Some(age) => format!("last heard from {} ago by the server's clock", shown_age(age)),
            None => "its age is unknown: the server gives no modification times".into(),
        };
        Ok(Err(Refused::OtherMode { dir: shown, owner, heard }.into()))
    }

    /// How long ago `path` (the owner file) was written, by the server's clock: against the
    /// time of a file this run writes beside the lock (in it, it would keep the owner's RMD
    /// from removing the lock). `None` when the server gives no times.
    async fn age(&self, lease: &mut Lease<'_>, path: &str) -> Result<Option<Duration>> {
        let Some(then) = lease.modified(path).await? else { return Ok(None) };
        let clock = format!("{}.clock-{}", self.dir, self.id);
        lease.store(&clock, b"").await?;
        let now = lease.modified(&clock).await;
        lease.remove(&clock).await?;
        Ok(now?.map(|now| Duration::from_secs(now.saturating_sub(then).max(0) as u64)))
    }

    /// A stale lock (`theirs`: its owner file) out of the way, for the MKD that takes it: moved
    /// aside (a rename is atomic: of two runs taking it over, one moves it), then removed. A
    /// lock that turns out fresh (another run took it over a moment ago) goes back.
    async fn take_over(&self, lease: &mut Lease<'_>, theirs: Option<&[u8]>, tally: &Tally<'_>) -> Result<()> {
        let aside = format!("{}.stale-{}", self.dir, self.id);
        if !lease.rename(&self.dir, &aside).await? {
            return Ok(());
        }
        let owner = join_remote(&aside, OWNER);
        let moved = lease.read(&owner, OWNER_CAP).await?;
        // Another run took it over a moment ago (another owner), or its owner was heard from
        // since its age was read (same bytes, a new time).
        let beat = moved.is_some() && self.age(lease, &owner).await?.is_some_and(|age| age < STALE);
        if moved.as_deref() != theirs || beat {
            lease.rename(&aside, &self.dir).await?;
            let dir = escape(&self.dir).into_owned();
            let heard =
                if beat { "its owner was heard from a moment ago" } else { "another run took it over a moment ago" };
            let heard = heard.into();
            return Err(Refused::Held { dir, owner: Owner::describe(moved.as_deref()), heard }.into());
        }
        lease.remove(&owner).await?;
        if let Err(why) = lease.remove_dir(&aside).await? {
            tally.note(&format!("pasv: warning: {}", escape(&format!("{why:#}"))));
        }
        Ok(())
    }

    /// The heartbeat at a checkpoint of the state: the owner file written again, if it is
    /// still this run's. An error once another run took the lock over (this run was silent
    /// for longer than [`STALE`]): the caller then changes nothing more. A failure to write is
    /// said and the run goes on.
    pub async fn keep(&mut self, remote: &mut Remote<'_>, tally: &Tally<'_>) -> Result<()> {
        self.confirm(remote, tally, true).await
    }

    /// [`Lock::keep`] without writing: before the run's last changes (its deletes, its final
    /// state), a moment after it was heard from.
    pub async fn check(&mut self, remote: &mut Remote<'_>, tally: &Tally<'_>) -> Result<()> {
        self.confirm(remote, tally, false).await
    }

    async fn confirm(&mut self, remote: &mut Remote<'_>, tally: &Tally<'_>, beat: bool) -> Result<()> {
        if self.held.is_none() {
            return Ok(());
        }
        let owner = self.owner_path();
        if !remote.lock_lost() {
            let ours = remote
                .leased(async |lease| match beat {
                    true => lease.store_if_same(&owner, &self.owner).await,
                    // One that cannot be read (a drop box's) is taken for this run's.
                    false => Ok(lease.read(&owner, OWNER_CAP).await?.is_none_or(|there| there == self.owner)),
                })
                .await;
            match ours {
                Ok(true) => return Ok(()),
                Ok(false) => {}
                Err(e) => {
                    let (e, what) = (escape(&format!("{e:#}")).into_owned(), if beat { "refresh" } else { "check" });
                    tally.note(&format!("pasv: warning: could not {what} the deploy lock: {e}"));
                    return Ok(());
                }
            }
        }
        // The other run's now: this one neither writes nor removes it.
        self.held = None;
        self.lost = true;
        remote.hear_from(None).await;
        let theirs = remote.leased(async |lease| lease.read(&owner, OWNER_CAP).await).await;
        let owner = match theirs {
            Ok(theirs) => Owner::describe(theirs.as_deref()),
            Err(_) => "its owner file cannot be read".into(),
        };
        Err(Refused::TakenOver { dir: escape(&self.dir).into_owned(), owner }.into())
    }

    /// [`Lock::keep`] or [`Lock::check`] found the lock taken over.
    pub fn lost(&self) -> bool {
        self.lost
    }

    /// The lock directory's server path.
    pub fn dir(&self) -> &str {
        &self.dir
    }

    /// Removes the lock when this run holds it and it is still its own (a lock taken over is
    /// the other run's). A failure is said: the next run finds the lock, until it is stale or
    /// `--break-lock` removes it.
    pub async fn release(&mut self, remote: &mut Remote<'_>, tally: &Tally<'_>) {
        if self.held.take().is_none() {
            return;
        }
        remote.hear_from(None).await;
        let owner = self.owner_path();
        let written = std::mem::take(&mut self.owner_written);
        let removed = remote
            .leased(async |lease| {
                if !written {
                    return lease.remove_with_dir(&owner, &self.dir).await?;
                }
                let theirs = lease.read(&owner, OWNER_CAP).await?;
                if theirs.as_deref().is_some_and(|theirs| theirs != self.owner) {
                    tally.note(&format!(
                        "pasv: warning: the deploy lock {} is another run's now ({}): left to it",
                        escape(&self.dir),
                        Owner::describe(theirs.as_deref())
                    ));
                    return Ok(());
                }
                lease.remove_with_dir(&owner, &self.dir).await?
            })
            .await;
        if let Err(e) = removed {
            tally.note(&format!(
                "pasv: warning: could not remove the deploy lock {} ({}): the next deploy stops until it expires or \
                 --break-lock removes it",
                escape(&self.dir),
                escape(&format!("{e:#}"))
            ));
        }
    }

    /// `--break-lock`: removes the lock a killed run left, whoever holds it, and says whose it
    /// was. The other mode's lock then does not stop the run either (the user says no other
    /// deploy to the target runs).
    pub async fn break_old(&mut self, remote: &mut Remote<'_>, tally: &Tally<'_>) -> Result<()> {
        self.other = None;
        let owner = self.owner_path();
        let shown = escape(&self.dir).into_owned();
        remote
            .leased(async |lease| {
                let theirs = lease.read(&owner, OWNER_CAP).await?;
                match lease.remove_with_dir(&owner, &self.dir).await? {
                    Ok(()) => tally.note(&format!(
                        "pasv: note: removed the deploy lock {shown} (--break-lock; {})",
                        Owner::describe(theirs.as_deref())
                    )),
                    Err(_) if theirs.is_none() && !lease.is_dir(&self.dir).await? => {
                        tally.note(&format!("pasv: note: --break-lock: there is no deploy lock {shown}"));
                    }
                    Err(why) => return Err(why.context("--break-lock cannot remove the deploy lock")),
                }
                Ok(())
            })
            .await
    }
}

/// Whether the state file is still what `read` saw. Its size first; at the same size, its
/// time: written before the read began, it is the one read. The read began at most `elapsed`
/// before the owner file (`owner`, just written) by the server's clock, so a later write is no
/// older than that, less a second for the times' resolution. Else (written around the read, no
/// times, or a server without SIZE) its contents are compared. Size and time come in one round
/// trip where the server allows (MLST, or SIZE with MDTM); SIZE alone where it gives no size so.
async fn same_state(lease: &mut Lease<'_>, read: &StateRead, owner: &str) -> Result<bool> {
    let (size, written) = lease.size_and_modified(&read.path).await?;
    // `None`: no such file, or a server without SIZE; the file itself then says.
    let size = match size {
        Some(size) => Some(size),
        None => lease.size(&read.path).await?,
    };
    if let (Some(size), Some(bytes)) = (size, &read.bytes) {
        if size != bytes.len() as u64 {
            return Ok(false);
        }
        let elapsed = read.started.elapsed().as_secs() as i64 + 1;
        if let (Some(written), Some(now)) = (written, lease.modified(owner).await?)
            && written + 2 < now - elapsed
        {
            return Ok(true);
        }
    } else if size.is_some() {
        // There was none when this run read it.
        return Ok(false);
    }
    // Read whole, without another SIZE: the size is known or unknowable by now, and bytes cut
    // short differ from those read (a state taken for changed stops the run, changing nothing).
    Ok(lease.read(&read.path, state::MAX_BYTES).await? == read.bytes)
}

/// "42 s" or "20 min".
fn shown_age(age: Duration) -> String {
    match age.as_secs() {
        s if s < 120 => format!("{s} s"),
        s => format!("{} min", s / 60),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_owner_file_names_no_secret_and_reads_back() {
        let lock = Lock::new("www/.pasv-deploy.json.lock".into());
        let text = String::from_utf8(lock.owner.clone()).unwrap();
        let owner: Owner = serde_json::from_str(&text).unwrap();
        assert_eq!(owner.pid, std::process::id());
        assert!(owner.started.ends_with(" UTC"), "{text}");
        let keys: Vec<String> = serde_json::from_str::<serde_json::Map<String, serde_json::Value>>(&text)
            .unwrap()
            .keys()
            .cloned()
            .collect();
        assert_eq!(keys, ["host", "pid", "started"]);
        assert!(Owner::describe(Some(&lock.owner)).contains(&format!("process {}", std::process::id())));
        assert_eq!(Owner::describe(Some(b"\x1b[2J")), "an owner file that is not pasv's");
        let hostile = br#"{"host":"evil\u001b[2J","pid":1,"started":"x"}"#;
        assert!(!Owner::describe(Some(hostile)).contains('\x1b'));
        assert_eq!(Owner::describe(None), "no owner file");
    }

    #[test]
    fn ages_read_as_people_say_them() {
        assert_eq!(shown_age(Duration::from_secs(42)), "42 s");
        assert_eq!(shown_age(Duration::from_secs(1260)), "21 min");
    }
}
