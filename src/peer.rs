//! `peerCredentials(fd)`: who is at the other end of a connected Unix-domain socket, as the
//! kernel tells it (not as the peer claims). The capture agent (lib/capture/agent.js) accepts a
//! request only from the user it runs as, or root; Node has no API for this.
//!
//! Linux: `getsockopt(SO_PEERCRED)` (uid, gid and pid of the peer when it connected). macOS and
//! the BSDs: `getpeereid` (uid, gid), plus `LOCAL_PEERPID` on macOS. Elsewhere (Windows):
//! ERR_HEAPSNAP_UNSUPPORTED.

use crate::error::{guard, Failure};
use crate::types::PeerCredentials;
use napi::bindgen_prelude::Env;
use napi_derive::napi;

/// The credentials of the peer of the connected Unix-domain socket `fd`.
#[napi(catch_unwind)]
pub fn peer_credentials(env: Env, fd: i32) -> napi::Result<PeerCredentials> {
  guard(&env, || query(fd))
}

#[cfg(any(target_os = "linux", target_os = "android"))]
fn query(fd: i32) -> Result<PeerCredentials, Failure> {
  let mut cred = libc::ucred {
    pid: 0,
    uid: 0,
    gid: 0,
  };
  let mut len = std::mem::size_of::<libc::ucred>() as libc::socklen_t;
  // SAFETY: `cred` and `len` are valid for writes of the sizes given; the kernel checks `fd`.
  let rc = unsafe {
    libc::getsockopt(
      fd,
      libc::SOL_SOCKET,
      libc::SO_PEERCRED,
      (&mut cred as *mut libc::ucred).cast(),
      &mut len,
    )
  };
  if rc != 0 {
    return Err(system_error("getsockopt(SO_PEERCRED)"));
  }
  Ok(PeerCredentials {
    uid: cred.uid,
    gid: cred.gid,
    pid: Some(cred.pid),
  })
}

#[cfg(any(
  target_os = "macos",
  target_os = "ios",
  target_os = "freebsd",
  target_os = "openbsd",
  target_os = "netbsd",
  target_os = "dragonfly"
))]
fn query(fd: i32) -> Result<PeerCredentials, Failure> {
  let (mut uid, mut gid): (libc::uid_t, libc::gid_t) = (0, 0);
  // SAFETY: `uid` and `gid` are valid for writes; the kernel checks `fd`.
  if unsafe { libc::getpeereid(fd, &mut uid, &mut gid) } != 0 {
    return Err(system_error("getpeereid"));
  }
  Ok(PeerCredentials {
    uid,
    gid,
    pid: peer_pid(fd),
  })
}

#[cfg(any(target_os = "macos", target_os = "ios"))]
fn peer_pid(fd: i32) -> Option<i32> {
  let mut pid: libc::pid_t = 0;
  let mut len = std::mem::size_of::<libc::pid_t>() as libc::socklen_t;
  // SAFETY: `pid` and `len` are valid for writes of the sizes given; the kernel checks `fd`.
  let rc = unsafe {
    libc::getsockopt(
      fd,
      libc::SOL_LOCAL,
      libc::LOCAL_PEERPID,
      (&mut pid as *mut libc::pid_t).cast(),
      &mut len,
    )
  };
  (rc == 0).then_some(pid)
}

#[cfg(any(
  target_os = "freebsd",
  target_os = "openbsd",
  target_os = "netbsd",
  target_os = "dragonfly"
))]
fn peer_pid(_fd: i32) -> Option<i32> {
  None
}

#[cfg(not(any(
  target_os = "linux",
  target_os = "android",
  target_os = "macos",
  target_os = "ios",
  target_os = "freebsd",
  target_os = "openbsd",
  target_os = "netbsd",
  target_os = "dragonfly"
)))]
fn query(_fd: i32) -> Result<PeerCredentials, Failure> {
  Err(Failure::Unsupported(
    "peer credentials of a socket are not available on this platform".into(),
  ))
}

#[cfg(unix)]
fn system_error(call: &str) -> Failure {
  let err = std::io::Error::last_os_error();
  Failure::System(format!("{call} failed: {err}"))
}
