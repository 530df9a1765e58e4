//go:build !unix

package meshesapi

import "io/fs"

// trustProblem has nothing to check where file ownership and permission bits
// do not work the Unix way (Windows protects the profile directory by ACL).
func trustProblem(string, fs.FileInfo) string { return "" }
