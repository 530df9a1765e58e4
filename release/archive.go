package main

import (
	"archive/tar"
	"archive/zip"
	"compress/gzip"
	"fmt"
	"io"
	"io/fs"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"time"
)

// entry is one file of an archive: its name inside, its mode and the file
// on disk it comes from.
type entry struct {
	name string
	mode fs.FileMode
	src  string
}

// writeArchive packs one target's binary with the README: tar.gz for the
// Unix systems, zip for Windows.
func writeArchive(o Options, t Target, bin string) (string, error) {
	entries := []entry{
		{name: t.exe(), mode: 0o755, src: bin},
		{name: "README.md", mode: 0o644, src: filepath.Join(o.Root, "README.md")},
	}
	base := filepath.Join(o.Out, fmt.Sprintf("meshes-mcp_%s_%s", o.plainVersion(), t))
	if t.GOOS == "windows" {
		return base + ".zip", writeZip(base+".zip", entries, o.Date)
	}
	return base + ".tar.gz", writeTarGz(base+".tar.gz", entries, o.Date)
}

// sorted returns entries by name, so the archive's order never depends on
// the order files were found in.
func sorted(entries []entry) []entry {
	entries = slices.Clone(entries)
	slices.SortFunc(entries, func(a, b entry) int { return strings.Compare(a.name, b.name) })
	return entries
}

// writeZip writes a zip whose bytes depend only on the entries' contents,
// names, modes and date.
func writeZip(path string, entries []entry, date time.Time) error {
	f, err := os.Create(path)
	if err != nil {
		return err
	}
	zw := zip.NewWriter(f)
	for _, e := range sorted(entries) {
		h := &zip.FileHeader{Name: e.name, Method: zip.Deflate, Modified: date.UTC()}
		h.SetMode(e.mode)
		w, err := zw.CreateHeader(h)
		if err != nil {
			f.Close()
			return err
		}
		if err := copyFile(w, e.src); err != nil {
			f.Close()
			return err
		}
	}
	if err := zw.Close(); err != nil {
		f.Close()
		return err
	}
	return f.Close()
}

// writeTarGz writes a gzipped tar with the same guarantee as writeZip: no
// owner, no gzip name or time.
func writeTarGz(path string, entries []entry, date time.Time) error {
	f, err := os.Create(path)
	if err != nil {
		return err
	}
	gz, err := gzip.NewWriterLevel(f, gzip.BestCompression)
	if err != nil {
		f.Close()
		return err
	}
	tw := tar.NewWriter(gz)
	for _, e := range sorted(entries) {
		info, err := os.Stat(e.src)
		if err != nil {
			f.Close()
			return err
		}
		h := &tar.Header{Name: e.name, Mode: int64(e.mode), Size: info.Size(), ModTime: date.UTC(),
			Typeflag: tar.TypeReg, Format: tar.FormatUSTAR}
		if err := tw.WriteHeader(h); err != nil {
			f.Close()
			return err
		}
		if err := copyFile(tw, e.src); err != nil {
			f.Close()
			return err
		}
	}
	for _, c := range []io.Closer{tw, gz} {
		if err := c.Close(); err != nil {
			f.Close()
			return err
		}
	}
	return f.Close()
}

func copyFile(w io.Writer, src string) error {
	r, err := os.Open(src)
	if err != nil {
		return err
	}
	defer r.Close()
	_, err = io.Copy(w, r)
	return err
}
