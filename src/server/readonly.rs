//! A storage back end that refuses every change unless the server is writable: `pasv serve`
//! is read-only by default so that sharing a folder cannot get it overwritten. (And a CWD
//! that looks at the directory alone: see [`ReadOnly::cwd`].)

use std::fmt::Debug;
use std::path::Path;

use unftp_core::auth::DefaultUser;
use unftp_core::storage::{Error, ErrorKind, Fileinfo, Metadata as _, Result, StorageBackend};
use unftp_sbe_fs::{Filesystem, Meta};

#[derive(Debug)]
pub(crate) struct ReadOnly {
    inner: Filesystem,
    writable: bool,
}

impl ReadOnly {
    pub(crate) fn new(inner: Filesystem, writable: bool) -> Self {
        Self { inner, writable }
    }

    fn allow_write(&self) -> Result<()> {
        if self.writable { Ok(()) } else { Err(Error::from(ErrorKind::PermissionDenied)) }
    }
}

#[async_trait::async_trait]
impl StorageBackend<DefaultUser> for ReadOnly {
    type Metadata = Meta;

    fn enter(&mut self, user: &DefaultUser) -> std::io::Result<()> {
        StorageBackend::<DefaultUser>::enter(&mut self.inner, user)
    }

    fn supported_features(&self) -> u32 {
        StorageBackend::<DefaultUser>::supported_features(&self.inner)
    }

    async fn metadata<P: AsRef<Path> + Send + Debug>(&self, user: &DefaultUser, path: P) -> Result<Meta> {
        self.inner.metadata(user, path).await
    }

    async fn list<P: AsRef<Path> + Send + Debug>(
        &self,
        user: &DefaultUser,
        path: P,
    ) -> Result<Vec<Fileinfo<std::path::PathBuf, Meta>>> {
        self.inner.list(user, path).await
    }

    async fn get<P: AsRef<Path> + Send + Debug>(
        &self,
        user: &DefaultUser,
        path: P,
        start_pos: u64,
    ) -> Result<Box<dyn tokio::io::AsyncRead + Send + Sync + Unpin>> {
        self.inner.get(user, path, start_pos).await
    }

    async fn put<P: AsRef<Path> + Send + Debug, R: tokio::io::AsyncRead + Send + Sync + Unpin + 'static>(
        &self,
        user: &DefaultUser,
        input: R,
        path: P,
        start_pos: u64,
    ) -> Result<u64> {
        self.allow_write()?;
        self.inner.put(user, input, path, start_pos).await
    }

    async fn del<P: AsRef<Path> + Send + Debug>(&self, user: &DefaultUser, path: P) -> Result<()> {
        self.allow_write()?;
        self.inner.del(user, path).await
    }

    async fn mkd<P: AsRef<Path> + Send + Debug>(&self, user: &DefaultUser, path: P) -> Result<()> {
        self.allow_write()?;
        self.inner.mkd(user, path).await
    }

    async fn rename<P: AsRef<Path> + Send + Debug>(&self, user: &DefaultUser, from: P, to: P) -> Result<()> {
        self.allow_write()?;
        self.inner.rename(user, from, to).await
    }

    async fn rmd<P: AsRef<Path> + Send + Debug>(&self, user: &DefaultUser, path: P) -> Result<()> {
        self.allow_write()?;
        self.inner.rmd(user, path).await
    }

    /// Into a directory that is there: its metadata, not a listing of it. The file system back
    /// end lists the whole directory, and a listing fails when a file in it goes away between
    /// reading the directory and looking at the file: a session uploading into a directory
    /// while another one replaced files there (lftp's `mirror -R -P 8 --only-newer` deletes each
    /// file before storing it) got "550 File not found" for a directory that was there.
    async fn cwd<P: AsRef<Path> + Send + Debug>(&self, user: &DefaultUser, path: P) -> Result<()> {
        match self.inner.metadata(user, path).await {
            Ok(meta) if meta.is_dir() => Ok(()),
            Ok(_) => Err(Error::from(ErrorKind::PermanentFileNotAvailable)),
            Err(e) => Err(e),
        }
    }
}
