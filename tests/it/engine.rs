//! The engine's state machines driven through the library API (`pasv::engine::Session`)
//! against the scripted server: login variants, the EPSV -> PASV fallback, the pipelined
//! download and upload lanes with their fallback, and NOOP accounting. Every script lists
//! exactly what the server must hear, in order; the transcript is compared as a whole too.

use std::collections::VecDeque;
use std::io::Cursor;
use std::sync::{Arc, Mutex};
use std::time::Duration;

use pasv::engine::{
    Config, Credentials, DataConnection, DataMethod, DownloadSequence, Endpoint, Error, ErrorClass, NoProgress,
    PasvAddress, Pipelining, Progress, Secret, Session, SizeCheck, Trace, TraceEvent, TransferSummary, Upload,
    UploadMode, UploadSequence, Uploaded,
};
use pasv::proto::ReplyCode;

use crate::support::scripted::{EPSV_OK, FEAT_SIZE_EPSV, ScriptedServer, Step, Transcript, anon_login, e, r};
use crate::support::{closed_port, within};

/// Short waits: a client that waits for something the script never sends fails quickly.
fn config() -> Config {
    Config {
        connect_timeout: Duration::from_secs(5),
        timeout: Duration::from_secs(5),
        epsv_connect_timeout: Duration::from_secs(2),
        ..Config::default()
    }
}

fn endpoint(server: &ScriptedServer) -> Endpoint {
    Endpoint { host: "127.0.0.1".into(), port: server.addr().port() }
}

/// Every trace line: commands as sent (redacted), replies, and the engine's notes.
#[derive(Default)]
struct Lines(Mutex<Vec<String>>);

impl Trace for Lines {
    fn event(&self, event: &TraceEvent) {
        let line = match event {
            TraceEvent::Sent { line } => format!("> {line}"),
            TraceEvent::Received { reply } => format!("< {reply}"),
            TraceEvent::Note { text } => format!("note: {text}"),
            _ => return,
        };
        self.0.lock().unwrap().push(line);
    }
}

impl Lines {
    fn notes(&self) -> Vec<String> {
        self.0.lock().unwrap().iter().filter_map(|l| l.strip_prefix("note: ").map(String::from)).collect()
    }

    fn all(&self) -> Vec<String> {
        self.0.lock().unwrap().clone()
    }
}

/// A login as `credentials` to `server`, and its trace.
async fn login(
    server: &ScriptedServer,
    config: Config,
    credentials: &Credentials,
) -> (Result<Session, Error>, Arc<Lines>) {
    let lines = Arc::new(Lines::default());
    let trace: Arc<dyn Trace> = lines.clone();
    (Session::connect(Arc::new(config), &endpoint(server), credentials, Some(trace)).await, lines)
}

/// An anonymous session against `server`, with its trace.
async fn connect(server: &ScriptedServer, config: Config) -> (Session, Arc<Lines>) {
    let (session, lines) = login(server, config, &Credentials::anonymous()).await;
    (session.unwrap_or_else(|e| panic!("connect: {e}")), lines)
}

/// The error of a login that must fail, and its trace.
async fn refused(server: &ScriptedServer, credentials: &Credentials) -> (Error, Arc<Lines>) {
    let (session, lines) = login(server, config(), credentials).await;
    match session {
        Ok(_) => panic!("the login succeeded"),
        Err(e) => (e, lines),
    }
}

/// The commands of an anonymous login to a server offering SIZE and EPSV.
fn logged_in() -> Vec<String> {
    strings(&["USER anonymous", "PASS pasv@", "FEAT"])
}

/// The commands of an anonymous session: login, `commands`, QUIT.
fn session_of(commands: &[&str]) -> Vec<String> {
    [logged_in(), strings(commands), strings(&["QUIT"])].concat()
}

fn strings(lines: &[&str]) -> Vec<String> {
    lines.iter().map(|s| s.to_string()).collect()
}

fn quit() -> Vec<Step> {
    vec![e("QUIT"), r("221 Bye")]
}

// ---------------------------------------------------------------------------------------------
// Login (RFC 959 section 5.4: USER -> 230, or 331/332 -> PASS -> 230/202)
// ---------------------------------------------------------------------------------------------

#[tokio::test]
async fn a_230_to_user_logs_in_without_sending_the_password() {
    within(async {
        let script = vec![r("220 hi"), e("USER anonymous"), r("230 No password needed"), e("FEAT"), r(FEAT_SIZE_EPSV)];
        let server = ScriptedServer::start([script, quit()].concat()).await;
        let (session, _) = connect(&server, config()).await;
        assert!(session.features().size && session.features().epsv, "{:?}", session.features());
        session.quit().await.unwrap();
        let heard = server.finish(Duration::from_secs(10)).await.unwrap().commands;
        assert_eq!(heard, strings(&["USER anonymous", "FEAT", "QUIT"]));
    })
    .await;
}

#[tokio::test]
async fn a_331_or_332_to_user_is_answered_with_the_password() {
    within(async {
        for (need, done) in [("331 Password please", "230 Logged in"), ("332 Account please", "202 Superfluous")] {
            let script = vec![
                r("220 hi"),
                e("USER bob"),
                r(need),
                e("PASS s3cret"),
                r(done),
                e("FEAT"),
                r("211 no features"),
                e("QUIT"),
                r("221 Bye"),
            ];
            let server = ScriptedServer::start(script).await;
            let credentials = Credentials { user: "bob".into(), password: Secret::new("s3cret") };
            let (session, lines) = login(&server, config(), &credentials).await;
            let session = session.unwrap_or_else(|e| panic!("{need}: {e}"));
            assert_eq!(session.features().lines, Vec::<String>::new(), "{need}");
            session.quit().await.unwrap();
            let heard = server.finish(Duration::from_secs(10)).await.unwrap().commands;
            assert_eq!(heard, strings(&["USER bob", "PASS s3cret", "FEAT", "QUIT"]), "{need}");
            // The trace shows that a password went out, never which.
            assert!(lines.all().contains(&"> PASS ****".to_string()), "{:?}", lines.all());
            assert!(!lines.all().iter().any(|l| l.contains("s3cret")), "{:?}", lines.all());
        }
    })
    .await;
}

/// Refused logins are typed errors whose text never holds the password. The engine has no
/// account to give (no ACCT): a 332 to PASS ends the login like a 530, and no ACCT is sent.
#[tokio::test]
async fn a_password_refused_is_a_typed_login_error_that_never_shows_it() {
    within(async {
        for refusal in ["332 Need account for login", "530 Login incorrect."] {
            let script = vec![r("220 hi"), e("USER bob"), r("331 pw"), e("PASS hunter2-pw"), r(refusal)];
            let server = ScriptedServer::start(script).await;
            let credentials = Credentials { user: "bob".into(), password: Secret::new("hunter2-pw") };
            let (err, lines) = refused(&server, &credentials).await;
            let code = ReplyCode(refusal[..3].parse().unwrap());
            assert!(matches!(err, Error::Login { .. }), "{err:?}");
            assert_eq!((err.class(), err.reply_code()), (ErrorClass::Login, Some(code)), "{refusal}");
            assert_eq!(err.to_string(), format!("login rejected: {refusal}"));
            assert!(!format!("{err:?}").contains("hunter2"), "{err:?}");
            assert!(!lines.all().iter().any(|l| l.contains("hunter2")), "{:?}", lines.all());
            let heard = server.finish(Duration::from_secs(10)).await.unwrap().commands;
            assert_eq!(heard, strings(&["USER bob", "PASS hunter2-pw"]), "{refusal}");
        }
    })
    .await;
}

/// 421 (RFC 959 section 4.2: the service is closing) is "try later", not "wrong password".
#[tokio::test]
async fn a_421_to_user_is_unavailable_not_a_login_failure() {
    within(async {
        let server =
            ScriptedServer::start(vec![r("220 hi"), e("USER anonymous"), r("421 Too many users, try later")]).await;
        let (err, _) = refused(&server, &Credentials::anonymous()).await;
        assert!(matches!(err, Error::Unavailable { code: ReplyCode(421), .. }), "{err:?}");
        assert_eq!(err.class(), ErrorClass::Transient);
        let heard = server.finish(Duration::from_secs(10)).await.unwrap().commands;
        assert_eq!(heard, strings(&["USER anonymous"]));
    })
    .await;
}

// ---------------------------------------------------------------------------------------------
// EPSV, then PASV (RFC 2428 section 3; DESIGN.md "Safe defaults")
// ---------------------------------------------------------------------------------------------

const LINE: &str = "-rw-r--r-- 1 u g 5 Jan 01 2024 a.txt\r\n";

/// A LIST over PASV, answered with [`LINE`].
fn list_over_pasv() -> Vec<Step> {
    vec![
        e("PASV"),
        Step::ListenData,
        r("227 Entering Passive Mode (127,0,0,1,{p1},{p2})"),
        e("LIST"),
        r("150 Here it comes"),
        Step::DataSend(LINE.as_bytes().to_vec()),
        r("226 Done"),
    ]
}

async fn list_names(session: &mut Session) -> Vec<String> {
    let listing = session.list(None).await.unwrap_or_else(|e| panic!("list: {e}"));
    listing.entries.into_iter().map(|e| e.name).collect()
}

/// EPSV refused (500, 502), or its port unreachable (a NAT box forwarding only the PASV
/// range): PASV, and PASV for the rest of the session.
#[tokio::test]
async fn epsv_refused_or_unreachable_falls_back_to_pasv_for_the_rest_of_the_session() {
    within(async {
        let closed = closed_port();
        let unreachable = epsv_to(closed.port);
        let cases = [
            ("500 EPSV not understood", "EPSV refused (500 EPSV not understood); using PASV"),
            ("502 Command not implemented", "EPSV refused (502 Command not implemented); using PASV"),
            (unreachable.as_str(), "unreachable"),
        ];
        for (answer, note) in cases {
            let script = [
                anon_login(FEAT_SIZE_EPSV),
                vec![e("TYPE I"), r("200 ok"), e("EPSV"), r(answer)],
                list_over_pasv(),
                // Remembered: the second listing asks PASV straight away.
                list_over_pasv(),
                quit(),
            ]
            .concat();
            let server = ScriptedServer::start(script).await;
            let (mut session, lines) = connect(&server, config()).await;
            assert_eq!(session.passive_mode(), None);
            assert_eq!(list_names(&mut session).await, ["a.txt"], "{answer}");
            assert_eq!(session.passive_mode(), Some(DataMethod::Passive));
            assert_eq!(list_names(&mut session).await, ["a.txt"], "{answer}");
            session.quit().await.unwrap();
            let notes = lines.notes();
            assert!(notes.iter().any(|n| n.contains(note) && n.contains("PASV")), "{answer}: {notes:?}");
            let heard = server.finish(Duration::from_secs(10)).await.unwrap().commands;
            assert_eq!(heard, session_of(&["TYPE I", "EPSV", "PASV", "LIST", "PASV", "LIST"]), "{answer}");
        }
    })
    .await;
}

#[tokio::test]
async fn epsv_switched_off_asks_pasv_only() {
    within(async {
        let script = [anon_login(FEAT_SIZE_EPSV), vec![e("TYPE I"), r("200 ok")], list_over_pasv(), quit()].concat();
        let server = ScriptedServer::start(script).await;
        let (mut session, _) = connect(
            &server,
            Config { data: DataConnection::Passive { epsv: false, address: PasvAddress::Peer }, ..config() },
        )
        .await;
        assert_eq!(list_names(&mut session).await, ["a.txt"]);
        session.quit().await.unwrap();
        let heard = server.finish(Duration::from_secs(10)).await.unwrap().commands;
        assert_eq!(heard, session_of(&["TYPE I", "PASV", "LIST"]));
    })
    .await;
}

// ---------------------------------------------------------------------------------------------
// The pipelined download lane (engine/pipeline.rs)
// ---------------------------------------------------------------------------------------------

/// Files handed out one by one; each ends as its bytes or its error's message.
struct Downloads {
    files: VecDeque<(String, u64)>,
    ended: Vec<(String, Result<Vec<u8>, String>)>,
    progress: NoProgress,
}

impl Downloads {
    fn of(files: &[(&str, u64)]) -> Self {
        let files = files.iter().map(|(name, size)| (name.to_string(), *size)).collect();
        Self { files, ended: Vec::new(), progress: NoProgress }
    }
}

impl DownloadSequence for Downloads {
    type Sink = Vec<u8>;

    fn next(&mut self) -> Option<(String, u64)> {
        self.files.pop_front()
    }

    async fn open(&mut self, _remote: &str) -> Result<Vec<u8>, Error> {
        Ok(Vec::new())
    }

    fn progress(&mut self) -> &mut dyn Progress {
        &mut self.progress
    }

    async fn finish(&mut self, remote: &str, sink: Option<Vec<u8>>, result: Result<TransferSummary, Error>) {
        let outcome = result.map(|_| sink.unwrap_or_default()).map_err(|e| e.to_string());
        self.ended.push((remote.to_string(), outcome));
    }
}

const A: &[u8] = b"aaaaa";
const B: &[u8] = b"bbbbbb";
const C: &[u8] = b"ccccccc";

fn three_files() -> Downloads {
    Downloads::of(&[("a", A.len() as u64), ("b", B.len() as u64), ("c", C.len() as u64)])
}

fn all_fetched() -> Vec<(String, Result<Vec<u8>, String>)> {
    [("a", A), ("b", B), ("c", C)].iter().map(|(n, d)| (n.to_string(), Ok(d.to_vec()))).collect()
}

/// The first file the classic way: EPSV, RETR, 150, data.
fn first_retr() -> Vec<Step> {
    vec![e("EPSV"), Step::ListenData, r(EPSV_OK), e("RETR a"), r("150 Sending"), Step::DataSend(A.to_vec())]
}

/// What a sequence of downloads did: each file's end, whether pipelining is still on, the
/// engine's notes, and every command the server heard.
struct Fetched {
    ended: Vec<(String, Result<Vec<u8>, String>)>,
    pipelines: bool,
    notes: Vec<String>,
    heard: Vec<String>,
}

/// `files` downloaded in one sequence from a server that plays `after_first` after a login and
/// the first file's data, sharing `shared` with the session.
async fn fetch_all(after_first: Vec<Vec<Step>>, mut files: Downloads, shared: Pipelining) -> Fetched {
    let start = [anon_login(FEAT_SIZE_EPSV), vec![e("TYPE I"), r("200 ok")], first_retr()];
    let script = [&start[..], &after_first, &[quit()]].concat().concat();
    let server = ScriptedServer::start(script).await;
    let (mut session, lines) = connect(&server, config()).await;
    session.share_pipelining(shared);
    session.fetch_sequence(&mut files).await.unwrap();
    let pipelines = session.pipelines();
    session.quit().await.unwrap();
    let heard = server.finish(Duration::from_secs(10)).await.unwrap().commands;
    Fetched { ended: files.ended, pipelines, notes: lines.notes(), heard }
}

#[tokio::test]
async fn downloads_in_a_row_send_the_next_epsv_and_retr_before_reading_the_226() {
    within(async {
        // Each EPSV and RETR are read before the previous file's 226 is sent: a client that
        // waits for the 226 first times out here.
        let after_first = vec![
            vec![e("EPSV"), e("RETR b"), r("226 a done"), Step::ListenData, r(EPSV_OK), r("150 Sending")],
            vec![Step::DataSend(B.to_vec())],
            vec![e("EPSV"), e("RETR c"), r("226 b done"), Step::ListenData, r(EPSV_OK), r("150 Sending")],
            vec![Step::DataSend(C.to_vec()), r("226 c done")],
        ];
        let fetched = fetch_all(after_first, three_files(), Pipelining::default()).await;
        assert_eq!(fetched.ended, all_fetched());
        assert!(fetched.pipelines);
        let expected = ["TYPE I", "EPSV", "RETR a", "EPSV", "RETR b", "EPSV", "RETR c"];
        assert_eq!(fetched.heard, session_of(&expected));
    })
    .await;
}

/// libunftp answers the EPSV sent ahead before the previous 226: the 229 waits for its turn.
#[tokio::test]
async fn a_229_that_overtakes_the_226_is_kept_for_the_next_file() {
    within(async {
        let after_first = vec![
            vec![e("EPSV"), e("RETR b"), Step::ListenData, r(EPSV_OK), r("226 a done"), r("150 Sending")],
            vec![Step::DataSend(B.to_vec()), r("226 b done")],
        ];
        let files = Downloads::of(&[("a", A.len() as u64), ("b", B.len() as u64)]);
        let fetched = fetch_all(after_first, files, Pipelining::default()).await;
        assert_eq!(fetched.ended, all_fetched()[..2].to_vec());
        assert_eq!(fetched.heard, session_of(&["TYPE I", "EPSV", "RETR a", "EPSV", "RETR b"]));
    })
    .await;
}

/// A server that cannot take a RETR before its data connection (425 before any 1xx) gets it
/// again the classic way, and every later file too: nothing fails for the optimisation, and
/// the sessions sharing the pipelining switch stop with this one.
#[tokio::test]
async fn a_refused_retr_sent_ahead_is_fetched_again_one_by_one() {
    within(async {
        let classic = |name: &str, data: &[u8]| {
            vec![
                e("EPSV"),
                Step::ListenData,
                r(EPSV_OK),
                e(&format!("RETR {name}")),
                r("150 Sending"),
                Step::DataSend(data.to_vec()),
                r("226 Done"),
            ]
        };
        let after_first = vec![
            vec![e("EPSV"), e("RETR b"), r("226 a done"), Step::ListenData, r(EPSV_OK)],
            vec![r("425 Can't open data connection.")],
            classic("b", B),
            classic("c", C),
        ];
        let shared = Pipelining::default();
        let fetched = fetch_all(after_first, three_files(), shared.clone()).await;
        assert_eq!(fetched.ended, all_fetched());
        assert!(!fetched.pipelines);
        assert!(!shared.allowed(), "the sessions sharing the switch stop too");
        let notes = fetched.notes;
        assert!(notes.iter().any(|n| n.contains("425") && n.contains("no more pipelining")), "{notes:?}");
        let expected = ["TYPE I", "EPSV", "RETR a", "EPSV", "RETR b", "EPSV", "RETR b", "EPSV", "RETR c"];
        assert_eq!(fetched.heard, session_of(&expected));
    })
    .await;
}

/// A file deleted between the listing and its turn, on a server that refuses its RETR sent
/// ahead at once and closes the passive port before the connection comes (ProFTPD): the 550
/// is that file's failure, not a broken session, and the next file still comes.
#[tokio::test]
async fn a_retr_sent_ahead_refused_behind_a_closed_port_fails_that_file_alone() {
    within(async {
        let closed = closed_port();
        let gone = epsv_to(closed.port);
        let after_first = vec![
            vec![e("EPSV"), e("RETR gone"), r("226 a done"), r(&gone), r("550 gone: No such file or directory")],
            vec![e("EPSV"), Step::ListenData, r(EPSV_OK), e("RETR c"), r("150 Sending")],
            vec![Step::DataSend(C.to_vec()), r("226 c done")],
        ];
        let files = Downloads::of(&[("a", A.len() as u64), ("gone", 4), ("c", C.len() as u64)]);
        let fetched = fetch_all(after_first, files, Pipelining::default()).await;
        let [a, gone, c] = &fetched.ended[..] else { panic!("{:?}", fetched.ended) };
        assert_eq!((a, c), (&all_fetched()[0], &all_fetched()[2]));
        assert_eq!(gone.0, "gone");
        assert!(gone.1.as_ref().is_err_and(|e| e.contains("550")), "{gone:?}");
        assert!(fetched.pipelines, "a refused file says nothing against pipelining");
        let expected = ["TYPE I", "EPSV", "RETR a", "EPSV", "RETR gone", "EPSV", "RETR c"];
        assert_eq!(fetched.heard, session_of(&expected));
    })
    .await;
}

// ---------------------------------------------------------------------------------------------
// The pipelined upload lane (engine/upload_sequence.rs)
// ---------------------------------------------------------------------------------------------

/// Files handed out one by one; each ends as (bytes sent, size check) or its error's message.
struct Uploads {
    files: VecDeque<Upload<Cursor<Vec<u8>>>>,
    ended: Vec<Result<(u64, SizeCheck), String>>,
    progress: NoProgress,
}

impl Uploads {
    fn of(files: &[(&str, &[u8])]) -> Self {
        let files = files
            .iter()
            .map(|(name, data)| Upload {
                source: Cursor::new(data.to_vec()),
                remote: name.to_string(),
                len: data.len() as u64,
                stamp: None,
                rename_to: None,
                check_size: true,
            })
            .collect();
        Self { files, ended: Vec::new(), progress: NoProgress }
    }
}

impl UploadSequence for Uploads {
    type Source = Cursor<Vec<u8>>;

    fn next(&mut self) -> Option<Upload<Self::Source>> {
        self.files.pop_front()
    }

    fn progress(&mut self) -> &mut dyn Progress {
        &mut self.progress
    }

    async fn finish(&mut self, result: Result<Uploaded, Error>) {
        self.ended.push(result.map(|u| (u.summary.bytes, u.summary.size_check)).map_err(|e| e.to_string()));
    }
}

const HELLO: &[u8] = b"hello\n";
const WORLD: &[u8] = b"world!\n";

/// `a` and `b` uploaded in one sequence against `script`, both confirmed by size, pipelining
/// still on; the server's transcript.
async fn upload_a_and_b(script: Vec<Step>) -> Transcript {
    let server = ScriptedServer::start(script).await;
    let (mut session, _) = connect(&server, config()).await;
    let mut files = Uploads::of(&[("a", HELLO), ("b", WORLD)]);
    session.store_sequence(&mut files).await.unwrap();
    assert!(session.pipelines());
    session.quit().await.unwrap();
    assert_eq!(files.ended, vec![Ok((6, SizeCheck::Matched)), Ok((7, SizeCheck::Matched))]);
    let transcript = server.finish(Duration::from_secs(10)).await.unwrap();
    assert_eq!(transcript.received_data, [HELLO, WORLD]);
    transcript
}

#[tokio::test]
async fn uploads_in_a_row_send_the_data_before_the_150_and_the_next_stor_with_the_size_check() {
    within(async {
        let script = [
            anon_login(FEAT_SIZE_EPSV),
            vec![e("TYPE I"), r("200 ok")],
            // The first file: EPSV is still untried, so STOR waits for the 229; the data goes
            // out as soon as the data connection is up, before the 150.
            vec![e("EPSV"), Step::ListenData, r(EPSV_OK), e("STOR a"), Step::DataReceive, r("150 Send it")],
            vec![r("226 Stored")],
            // Its size check, with the next file's EPSV and STOR in the same write.
            vec![e("SIZE a"), e("EPSV"), e("STOR b"), r("213 6"), Step::ListenData, r(EPSV_OK)],
            vec![Step::DataReceive, r("150 Send it"), r("226 Stored"), e("SIZE b"), r("213 7")],
            quit(),
        ]
        .concat();
        let transcript = upload_a_and_b(script).await;
        let expected = ["TYPE I", "EPSV", "STOR a", "SIZE a", "EPSV", "STOR b", "SIZE b"];
        assert_eq!(transcript.commands, session_of(&expected));
    })
    .await;
}

/// An anonymous login to a server greeting as vsftpd does by default: known to answer in
/// order, it gets FEAT, OPTS UTF8 ON and TYPE I with PASS, in one write (the script reads
/// them all before it answers PASS: a client that waits for the 230 fails here).
fn vsftpd_login() -> Vec<Step> {
    vec![
        r("220 (vsFTPd 3.0.3)"),
        e("USER anonymous"),
        r("331 Password please"),
        Step::ExpectPrefix("PASS ".into()),
        e("FEAT"),
        e("OPTS UTF8 ON"),
        e("TYPE I"),
        r("230 Logged in"),
        r(FEAT_SIZE_EPSV),
        r("200 Always in UTF8 mode."),
        r("200 Switching to Binary mode."),
    ]
}

/// vsftpd reads commands only between transfers (`proto::Reading`): a file's size check and
/// the next file's EPSV and STOR go out as soon as its data has, before its 226. The script
/// reads them all before it sends the 226, so a client that waits for the 226 fails here.
#[tokio::test]
async fn to_vsftpd_the_checks_and_the_next_stor_go_out_before_the_226() {
    within(async {
        let script = [
            vsftpd_login(),
            vec![e("EPSV"), Step::ListenData, r(EPSV_OK), e("STOR a"), Step::DataReceive, r("150 Send it")],
            vec![e("SIZE a"), e("EPSV"), e("STOR b"), r("226 Stored"), r("213 6"), Step::ListenData, r(EPSV_OK)],
            vec![Step::DataReceive, r("150 Send it"), e("SIZE b"), r("226 Stored"), r("213 7")],
            quit(),
        ]
        .concat();
        upload_a_and_b(script).await;
    })
    .await;
}

/// A server that greets as vsftpd but answers the commands sent before a transfer's end out
/// of turn (the size check's 213, or a refusal no transfer ends with, where the 226 was due):
/// the sequence ends with a transient error (the app goes on with those files on another
/// connection), nothing is reported as copied or failed on the strength of a reply that
/// answered something else, and nothing more is sent ahead on the sessions sharing its
/// pipelining.
#[tokio::test]
async fn a_reply_out_of_turn_before_the_226_ends_the_sequence_and_stops_sending_ahead() {
    within(async {
        for out_of_turn in ["213 6", "550 Could not get file size.", "500 Unknown command."] {
            let script = [
                vsftpd_login(),
                vec![e("EPSV"), Step::ListenData, r(EPSV_OK), e("STOR a"), Step::DataReceive, r("150 Send it")],
                vec![e("SIZE a"), e("EPSV"), e("STOR b"), r(out_of_turn)],
                quit(),
            ]
            .concat();
            let server = ScriptedServer::start(script).await;
            let (mut session, _) = connect(&server, config()).await;
            let shared = Pipelining::default();
            session.share_pipelining(shared.clone());
            let mut files = Uploads::of(&[("a", HELLO), ("b", WORLD)]);
            let error = session.store_sequence(&mut files).await.unwrap_err();
            assert!(matches!(error, Error::OutOfTurn { .. }), "{out_of_turn}: {error}");
            assert!(error.reply_code().is_none() && error.class() == ErrorClass::Transient, "{error:?}");
            assert!(files.ended.is_empty(), "{out_of_turn}: {:?}", files.ended);
            assert!(!shared.allowed() && !session.pipelines());
            let _ = session.quit().await;
            server.finish(Duration::from_secs(10)).await.unwrap();
        }
    })
    .await;
}

/// vsftpd failing a file whose checks and the next file's STOR went out before its end (451
/// where the 226 was due): that file fails, the replies to what was sent ahead are read in
/// turn, and the next file goes through on the same session.
#[tokio::test]
async fn to_vsftpd_a_file_failed_after_its_checks_went_out_leaves_the_session_in_step() {
    within(async {
        let script = [
            vsftpd_login(),
            vec![e("EPSV"), Step::ListenData, r(EPSV_OK), e("STOR a"), Step::DataReceive, r("150 Send it")],
            vec![e("SIZE a"), e("EPSV"), e("STOR b"), r("451 Failure writing to local file."), r("213 3")],
            vec![Step::ListenData, r(EPSV_OK), Step::DataReceive, r("150 Send it")],
            vec![e("SIZE b"), r("226 Stored"), r("213 7")],
            quit(),
        ]
        .concat();
        let server = ScriptedServer::start(script).await;
        let (mut session, _) = connect(&server, config()).await;
        let mut files = Uploads::of(&[("a", HELLO), ("b", WORLD)]);
        session.store_sequence(&mut files).await.unwrap();
        assert!(session.pipelines());
        session.quit().await.unwrap();
        assert!(matches!(&files.ended[..], [Err(_), Ok((7, SizeCheck::Matched))]), "{:?}", files.ended);
        let transcript = server.finish(Duration::from_secs(10)).await.unwrap();
        assert_eq!(transcript.received_data, [HELLO, WORLD]);
    })
    .await;
}

/// MDTM for many paths on a server with MLST (which may not answer pipelined commands in
/// order: libunftp): one at a time, each sent after the last reply (they were batched
/// whenever pipelining was allowed, and times could land on the wrong files).
#[tokio::test]
async fn times_of_many_files_are_asked_one_at_a_time_of_an_mlst_server() {
    within(async {
        let feat = "211-Features:\r\n MLST type*;size*;modify*;\r\n SIZE\r\n MDTM\r\n EPSV\r\n211 End";
        let script = [
            anon_login(feat),
            vec![Step::ExpectAlone("MDTM a".into()), r("213 20240101000000")],
            vec![Step::ExpectAlone("MDTM b".into()), r("550 No such file")],
            vec![Step::ExpectAlone("MDTM c".into()), r("213 20240102000000")],
            quit(),
        ]
        .concat();
        let server = ScriptedServer::start(script).await;
        let (mut session, _lines) = connect(&server, config()).await;
        let paths = ["a", "b", "c"].map(String::from);
        let times = match session.modified_many(&paths).await {
            Ok(times) => times,
            Err(err) => panic!("{err}: {:?}", server.finish(Duration::from_secs(5)).await),
        };
        assert_eq!(times, [Some(1_704_067_200), None, Some(1_704_153_600)]);
        session.quit().await.unwrap();
        server.finish(Duration::from_secs(10)).await.unwrap();
    })
    .await;
}

/// Twisted answers a STOR whose data came before it was ready with 426 and no 1xx: the file
/// goes again the classic way (EPSV, STOR, 1xx, data), and so do the ones after it; no
/// command is pipelined to it afterwards (a rename's RNFR waits for its reply).
#[tokio::test]
async fn a_stor_refused_for_its_early_data_goes_again_the_classic_way() {
    within(async {
        let classic = |name: &str| {
            vec![
                e("EPSV"),
                Step::ListenData,
                r(EPSV_OK),
                e(&format!("STOR {name}")),
                r("125 Data connection already open, starting transfer"),
                Step::DataReceive,
                r("226 Transfer Complete."),
            ]
        };
        let script = [
            anon_login(FEAT_SIZE_EPSV),
            vec![e("TYPE I"), r("200 ok")],
            vec![e("EPSV"), Step::ListenData, r(EPSV_OK), e("STOR a"), r("426 Data connection closed.")],
            classic("a"),
            vec![e("SIZE a"), r("213 6")],
            classic("b"),
            vec![e("SIZE b"), r("213 7")],
            vec![Step::ExpectAlone("RNFR b".into()), r("350 ok"), e("RNTO c"), r("250 ok")],
            quit(),
        ]
        .concat();
        let server = ScriptedServer::start(script).await;
        let (mut session, lines) = connect(&server, config()).await;
        let mut files = Uploads::of(&[("a", HELLO), ("b", WORLD)]);
        session.store_sequence(&mut files).await.unwrap();
        assert!(!session.pipelines());
        session.rename("b", "c").await.unwrap();
        session.quit().await.unwrap();
        assert_eq!(files.ended, vec![Ok((6, SizeCheck::Matched)), Ok((7, SizeCheck::Matched))]);
        let notes = lines.notes();
        assert!(notes.iter().any(|n| n.contains("426") && n.contains("no more pipelining")), "{notes:?}");
        let transcript = server.finish(Duration::from_secs(10)).await.unwrap();
        // The early data of the refused attempt went to a connection the server never took.
        assert_eq!(transcript.received_data, [HELLO, WORLD]);
        let expected =
            ["TYPE I", "EPSV", "STOR a", "EPSV", "STOR a", "SIZE a", "EPSV", "STOR b", "SIZE b", "RNFR b", "RNTO c"];
        assert_eq!(transcript.commands, session_of(&expected));
    })
    .await;
}

// ---------------------------------------------------------------------------------------------
// NOOPs during a transfer (engine/noop.rs)
// ---------------------------------------------------------------------------------------------

/// A download whose data waits for the client's NOOP; `answer` places the NOOP's reply
/// (before the data, or after the 226); a PWD afterwards proves every reply was matched.
#[tokio::test]
async fn noop_replies_are_matched_whenever_the_server_sends_them() {
    within(async {
        let cases: Vec<(&str, Vec<Step>)> = vec![
            (
                "answered during the transfer",
                vec![e("NOOP"), r("200 NOOP ok"), Step::DataSend(HELLO.to_vec()), r("226 Done")],
            ),
            (
                "answered after the 226 (vsftpd)",
                vec![e("NOOP"), Step::DataSend(HELLO.to_vec()), r("226 Done"), r("200 NOOP ok")],
            ),
            (
                "refused after the 226",
                vec![e("NOOP"), Step::DataSend(HELLO.to_vec()), r("226 Done"), r("502 Not during a transfer")],
            ),
        ];
        for (case, answer) in cases {
            let script = [
                anon_login(FEAT_SIZE_EPSV),
                vec![e("TYPE I"), r("200 ok"), e("SIZE f"), r("213 6")],
                vec![e("EPSV"), Step::ListenData, r(EPSV_OK), e("RETR f"), r("150 Sending")],
                answer,
                vec![e("PWD"), r("257 \"/home\" is the current directory")],
                quit(),
            ]
            .concat();
            let server = ScriptedServer::start(script).await;
            let config = Config { noop_interval: Some(Duration::from_secs(1)), ..config() };
            let (mut session, _) = connect(&server, config).await;
            let mut sink = Vec::new();
            let summary = session
                .download("f", &mut sink, 0, &[], &mut NoProgress)
                .await
                .unwrap_or_else(|e| panic!("{case}: {e}"));
            assert_eq!((summary.bytes, sink.as_slice()), (6, HELLO), "{case}");
            assert_eq!(session.pwd().await.unwrap_or_else(|e| panic!("{case}: {e}")), "/home", "{case}");
            session.quit().await.unwrap();
            let heard = server.finish(Duration::from_secs(10)).await.unwrap_or_else(|e| panic!("{case}: {e}"));
            let expected = ["TYPE I", "SIZE f", "EPSV", "RETR f", "NOOP", "PWD"];
            assert_eq!(heard.commands, session_of(&expected), "{case}");
        }
    })
    .await;
}

/// A reply after the 226 that cannot answer a NOOP: the session is out of step, and says so.
#[tokio::test]
async fn a_late_reply_that_is_no_answer_to_a_noop_is_an_error() {
    within(async {
        let script = [
            anon_login(FEAT_SIZE_EPSV),
            vec![e("TYPE I"), r("200 ok"), e("SIZE f"), r("213 6")],
            vec![e("EPSV"), Step::ListenData, r(EPSV_OK), e("RETR f"), r("150 Sending")],
            vec![e("NOOP"), Step::DataSend(HELLO.to_vec()), r("226 Done"), r("331 What?")],
        ]
        .concat();
        let server = ScriptedServer::start(script).await;
        let config = Config { noop_interval: Some(Duration::from_secs(1)), ..config() };
        let (mut session, _) = connect(&server, config).await;
        let err = session.download("f", &mut Vec::new(), 0, &[], &mut NoProgress).await.expect_err("out of step");
        assert!(matches!(err, Error::Unexpected { code: ReplyCode(331), .. }), "{err:?}");
        assert_eq!(err.to_string(), "unexpected reply 331 to NOOP: What?");
        drop(session);
        let heard = server.finish(Duration::from_secs(10)).await.unwrap().commands;
        assert_eq!(heard, [logged_in(), strings(&["TYPE I", "SIZE f", "EPSV", "RETR f", "NOOP"])].concat());
    })
    .await;
}

// ---------------------------------------------------------------------------------------------
// A single transfer after the first: EPSV and the command in one write (engine/opening.rs)
// ---------------------------------------------------------------------------------------------

/// A session's login and its first download, `a` (5 bytes), EPSV alone: from then on the
/// session has seen EPSV work.
fn a_downloaded() -> Vec<Step> {
    [anon_login(FEAT_SIZE_EPSV), vec![e("TYPE I"), r("200 ok"), e("SIZE a"), r("213 5")], first_download("RETR a", A)]
        .concat()
}

/// A 229 naming `port`.
fn epsv_to(port: u16) -> String {
    format!("229 Entering Extended Passive Mode (|||{port}|)")
}

/// The first transfer of a session: EPSV alone (whether it works is not known yet), then
/// `command` answered with 150 and `data` sent.
fn first_download(command: &str, data: &[u8]) -> Vec<Step> {
    vec![
        Step::ExpectAlone("EPSV".into()),
        Step::ListenData,
        r(EPSV_OK),
        e(command),
        r("150 Go ahead"),
        Step::DataSend(data.to_vec()),
        r("226 Done"),
    ]
}

/// After a transfer showed EPSV working, a download and an upload each send EPSV and their
/// command in one write: the script reads the RETR and the STOR before it answers the EPSV
/// (a client waiting for the 229 would send neither, and the script would time out).
#[tokio::test]
async fn a_single_transfer_after_the_first_sends_its_epsv_with_its_command() {
    within(async {
        let script = [
            a_downloaded(),
            vec![e("SIZE b"), r("213 6"), e("EPSV"), e("RETR b"), Step::ListenData, r(EPSV_OK)],
            vec![r("150 Go ahead"), Step::DataSend(B.to_vec()), r("226 Done")],
            vec![e("EPSV"), e("STOR c"), Step::ListenData, r(EPSV_OK), r("150 Go ahead"), Step::DataReceive],
            vec![r("226 Stored"), e("SIZE c"), r("213 7")],
            quit(),
        ]
        .concat();
        let server = ScriptedServer::start(script).await;
        let (mut session, _lines) = connect(&server, config()).await;
        let (mut a, mut b) = (Vec::new(), Vec::new());
        session.download("a", &mut a, 0, &[], &mut NoProgress).await.unwrap();
        session.download("b", &mut b, 0, &[], &mut NoProgress).await.unwrap();
        let summary = session.upload(&mut &C[..], "c", UploadMode::Replace, Some(7), &mut NoProgress).await.unwrap();
        assert_eq!(summary.size_check, SizeCheck::Matched);
        assert!(session.pipelines());
        session.quit().await.unwrap();
        assert_eq!((&a[..], &b[..]), (A, B));
        let transcript = server.finish(Duration::from_secs(10)).await.unwrap();
        assert_eq!(transcript.received_data, [C]);
    })
    .await;
}

/// A RETR sent with its EPSV, refused at once by a server that closed its passive port
/// before the connection came (ProFTPD does for a missing file): the refusal is the error,
/// not the connection's, and the session stays in step.
#[tokio::test]
async fn a_retr_sent_with_its_epsv_and_refused_at_once_is_the_refusal_not_a_broken_connection() {
    within(async {
        let closed = closed_port();
        let gone = epsv_to(closed.port);
        let script = [
            a_downloaded(),
            vec![e("SIZE gone"), r("550 No such file")],
            vec![e("EPSV"), e("RETR gone"), r(&gone), r("550 gone: No such file or directory")],
            vec![e("NOOP"), r("200 ok")],
            quit(),
        ]
        .concat();
        let server = ScriptedServer::start(script).await;
        let (mut session, _lines) = connect(&server, config()).await;
        session.download("a", &mut Vec::new(), 0, &[], &mut NoProgress).await.unwrap();
        let err = session.download("gone", &mut Vec::new(), 0, &[], &mut NoProgress).await.unwrap_err();
        assert_eq!(err.reply_code(), Some(ReplyCode(550)), "{err}");
        assert!(err.leaves_session_in_step(), "{err}");
        assert_eq!(session.quote("NOOP").await.unwrap().code, ReplyCode(200));
        session.quit().await.unwrap();
        server.finish(Duration::from_secs(10)).await.unwrap();
    })
    .await;
}

/// A RETR sent with its EPSV whose data connection fails, to a server that then says nothing
/// (one that reads no command until the data connection comes): the connection's error after
/// a short wait, not the session's timeout, and the session is given up.
#[tokio::test]
async fn a_retr_whose_data_connection_failed_and_got_no_reply_is_the_connection_s_error() {
    within(async {
        let closed = closed_port();
        let gone = epsv_to(closed.port);
        let script =
            [a_downloaded(), vec![e("SIZE b"), r("213 6"), e("EPSV"), e("RETR b"), r(&gone), Step::ExpectClose]]
                .concat();
        let server = ScriptedServer::start(script).await;
        let config = Config { timeout: Duration::from_secs(20), ..config() };
        let (mut session, _lines) = connect(&server, config).await;
        session.download("a", &mut Vec::new(), 0, &[], &mut NoProgress).await.unwrap();
        let err = session.download("b", &mut Vec::new(), 0, &[], &mut NoProgress).await.unwrap_err();
        assert!(err.is_data_connection_failure(), "{err:?}");
        assert!(!err.leaves_session_in_step(), "{err:?}");
        drop(session);
        server.finish(Duration::from_secs(10)).await.unwrap();
    })
    .await;
}

/// A second download `b` whose EPSV and RETR went out together and got `refusal` (what
/// follows them in the script): the file comes the classic way, nothing more is sent ahead,
/// and the note names `code`.
async fn refused_ahead_then_classic(refusal: Vec<Step>, code: &str) {
    let script = [
        a_downloaded(),
        vec![e("SIZE b"), r("213 6"), e("EPSV"), e("RETR b")],
        refusal,
        first_download("RETR b", B),
        quit(),
    ]
    .concat();
    let server = ScriptedServer::start(script).await;
    let (mut session, lines) = connect(&server, config()).await;
    session.download("a", &mut Vec::new(), 0, &[], &mut NoProgress).await.unwrap();
    let mut b = Vec::new();
    session.download("b", &mut b, 0, &[], &mut NoProgress).await.unwrap();
    assert_eq!(b, B);
    assert!(!session.pipelines());
    let notes = lines.notes();
    assert!(notes.iter().any(|n| n.contains(code) && n.contains("no more pipelining")), "{notes:?}");
    session.quit().await.unwrap();
    server.finish(Duration::from_secs(10)).await.unwrap();
}

/// A server not ready for a RETR sent with its EPSV (426 before any 1xx, as Twisted answers).
#[tokio::test]
async fn a_retr_sent_ahead_that_the_server_was_not_ready_for_goes_again_the_classic_way() {
    let refusal = vec![Step::ListenData, r(EPSV_OK), r("426 Data connection closed.")];
    within(refused_ahead_then_classic(refusal, "426")).await;
}

/// An EPSV sent with its RETR and refused: the RETR's own refusal is read (no passive
/// address was set), and the session stays in step.
#[tokio::test]
async fn an_epsv_refused_with_its_retr_sent_leaves_the_session_in_step_and_the_file_comes_the_classic_way() {
    let refusal = vec![r("425 No passive port free"), r("503 Use EPSV or PASV first")];
    within(refused_ahead_then_classic(refusal, "425")).await;
}

/// A password refused by a server known to answer in order, FEAT, OPTS and TYPE sent with
/// it: the refusal is the login's error (not the replies after it), at once.
#[tokio::test]
async fn a_refused_password_with_the_commands_after_it_sent_is_the_login_s_error() {
    within(async {
        let mut script = vsftpd_login();
        script.truncate(7);
        script.extend([r("530 Login incorrect."), Step::ExpectClose]);
        let server = ScriptedServer::start(script).await;
        let (error, _lines) = refused(&server, &Credentials::anonymous()).await;
        assert!(matches!(&error, Error::Login { code: ReplyCode(530), .. }), "{error:?}");
        server.finish(Duration::from_secs(10)).await.unwrap();
    })
    .await;
}

/// Sessions sharing their pipelining (a pool's): once EPSV worked on one, another sends its
/// first transfer command with its EPSV too (the script reads the RETR before it answers
/// the EPSV).
#[tokio::test]
async fn once_epsv_worked_on_one_session_the_others_send_their_first_retr_with_it() {
    within(async {
        let first = ScriptedServer::start([a_downloaded(), quit()].concat()).await;
        let second = ScriptedServer::start(
            [
                anon_login(FEAT_SIZE_EPSV),
                vec![e("TYPE I"), r("200 ok"), e("SIZE b"), r("213 6"), e("EPSV"), e("RETR b")],
                vec![Step::ListenData, r(EPSV_OK), r("150 Go ahead"), Step::DataSend(B.to_vec()), r("226 Done")],
                vec![e("SIZE c"), r("213 7"), e("EPSV"), e("RETR c"), Step::ListenData, r(EPSV_OK)],
                vec![r("150 Go ahead"), Step::DataSend(C.to_vec()), r("226 Done")],
                quit(),
            ]
            .concat(),
        )
        .await;
        let shared = Pipelining::default();
        let (mut one, _) = connect(&first, config()).await;
        let (mut two, _) = connect(&second, config()).await;
        one.share_pipelining(shared.clone());
        two.share_pipelining(shared);
        one.download("a", &mut Vec::new(), 0, &[], &mut NoProgress).await.unwrap();
        let (mut b, mut c) = (Vec::new(), Vec::new());
        two.download("b", &mut b, 0, &[], &mut NoProgress).await.unwrap();
        two.download("c", &mut c, 0, &[], &mut NoProgress).await.unwrap();
        assert_eq!((&b[..], &c[..]), (B, C));
        one.quit().await.unwrap();
        two.quit().await.unwrap();
        first.finish(Duration::from_secs(10)).await.unwrap();
        second.finish(Duration::from_secs(10)).await.unwrap();
    })
    .await;
}

const FEAT_MLST: &str = "211-Features:\r\n MLST type*;size*;modify*;\r\n SIZE\r\n EPSV\r\n UTF8\r\n211 End";

/// A server greeting as pure-ftpd does (MLST, answers in order): the login's commands go
/// with PASS; the sizes and times of several paths come from MLSTs sent in one write; DELE
/// and RMD go together, each with its own outcome. The script reads each batch whole before
/// it answers.
#[tokio::test]
async fn to_pure_ftpd_mlsts_and_a_dele_with_its_rmd_go_out_in_one_write() {
    within(async {
        let script = [
            vec![r(
                "220---------- Welcome to Pure-FTPd [privsep] [TLS] ----------\r\n220 Logout after 15 minutes idle.",
            )],
            vec![e("USER anonymous"), r("331 Password please"), Step::ExpectPrefix("PASS ".into())],
            vec![e("FEAT"), e("OPTS UTF8 ON"), e("TYPE I"), r("230 OK"), r(FEAT_MLST), r("504 Unknown command")],
            vec![r("200 TYPE is now 8-bit binary"), e("MLST a"), e("MLST b")],
            vec![r("250-Begin\r\n type=file;size=5;modify=20240101000000; a\r\n250 End."), r("550 Not found")],
            vec![e("DELE d/f"), e("RMD d"), r("550 No such file"), r("250 Removed")],
            quit(),
        ]
        .concat();
        let server = ScriptedServer::start(script).await;
        let (mut session, _lines) = connect(&server, config()).await;
        let facts = session.sizes_and_times_at_once(&["a".into(), "b".into()]).await.unwrap();
        assert_eq!(facts, Some(vec![(Some(5), Some(1_704_067_200)), (None, None)]));
        let [removed, gone] = session.remove_with_dir("d/f", "d").await.unwrap();
        assert_eq!(removed.unwrap_err().reply_code(), Some(ReplyCode(550)));
        gone.unwrap();
        session.quit().await.unwrap();
        server.finish(Duration::from_secs(10)).await.unwrap();
    })
    .await;
}

/// The same to a server with MLST whose greeting names none known to answer in order (as
/// libunftp): nothing asked ahead, DELE and RMD one at a time.
#[tokio::test]
async fn to_an_unknown_mlst_server_nothing_is_asked_ahead_and_dele_waits_for_its_reply() {
    within(async {
        let script = [
            anon_login(FEAT_MLST),
            vec![e("OPTS UTF8 ON"), r("200 ok")],
            vec![Step::ExpectAlone("DELE d/f".into()), r("250 Deleted"), e("RMD d"), r("550 Not empty")],
            quit(),
        ]
        .concat();
        let server = ScriptedServer::start(script).await;
        let (mut session, _lines) = connect(&server, config()).await;
        assert_eq!(session.sizes_and_times_at_once(&["a".into(), "b".into()]).await.unwrap(), None);
        let [removed, gone] = session.remove_with_dir("d/f", "d").await.unwrap();
        removed.unwrap();
        assert_eq!(gone.unwrap_err().reply_code(), Some(ReplyCode(550)));
        session.quit().await.unwrap();
        server.finish(Duration::from_secs(10)).await.unwrap();
    })
    .await;
}
