//go:build unix

package meshesapi

import (
	"fmt"
	"io/fs"
	"os"
	"path/filepath"
	"syscall"
)

// trustProblem says why the credentials file at path (already opened, info
// its stat) could have been written by someone else, or "" when it could
// not: it must belong to the user running meshes-mcp, and its directory must
// not let group or others add, remove or swap files. The file decides where
// the secret key is sent, so a planted or swappable one is refused.
func trustProblem(path string, info fs.FileInfo) string {
	uid := os.Geteuid()
	if st, ok := info.Sys().(*syscall.Stat_t); ok && int(st.Uid) != uid {
		return fmt.Sprintf("is owned by another user (uid %d, you are uid %d); it decides where the secret key is sent, so only a file of your own is read (chown it, or create your own)", st.Uid, uid)
	}
	dir := filepath.Dir(path)
	dinfo, err := os.Stat(dir)
	if err != nil {
		return "sits in a directory that cannot be checked: " + pathErrorReason(err)
	}
	if dinfo.Mode().Perm()&0o022 != 0 {
		return fmt.Sprintf("sits in a directory %s is writable by group or others (mode %04o), so someone else could swap the file; run: chmod go-w %s", dir, dinfo.Mode().Perm(), dir)
	}
	if st, ok := dinfo.Sys().(*syscall.Stat_t); ok && int(st.Uid) != uid && st.Uid != 0 {
		return fmt.Sprintf("sits in a directory %s owned by another user (uid %d), who could swap the file; keep it in a directory of your own", dir, st.Uid)
	}
	return ""
}
