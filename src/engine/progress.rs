//! How the engine reports transfer progress without knowing who listens.

/// Called by transfers; the terminal layer implements it with a bar or plain lines.
pub trait Progress: Send {
    /// A transfer of `name` starts; `total` is the full size when known, `offset` the bytes
    /// already present (resume).
    fn start(&mut self, name: &str, total: Option<u64>, offset: u64);
    /// `bytes` more bytes moved.
    fn advance(&mut self, bytes: u64);
    /// The transfer ended (successfully or not).
    fn finish(&mut self);
}

/// Discards progress.
#[derive(Debug, Default, Clone, Copy)]
pub struct NoProgress;

impl Progress for NoProgress {
    fn start(&mut self, _name: &str, _total: Option<u64>, _offset: u64) {}
    fn advance(&mut self, _bytes: u64) {}
    fn finish(&mut self) {}
}
