package consumer

import (
	"archive/tar"
	"bytes"
	"crypto/sha256"
	"errors"
	"fmt"
	"io"
	"os"
	"path"
	"path/filepath"
	"sort"
	"strings"
)

// ExtractLimits bound what Extract writes.
type ExtractLimits struct {
	// MaxFiles and MaxBytes cap the entries and the bytes written
	// (defaults 10,000 and 1 GiB).
	MaxFiles int
	MaxBytes int64
}

// ErrUnsafeArchive: the output tar holds something Extract refuses.
var ErrUnsafeArchive = errors.New("consumer: unsafe output archive")

// Extract unpacks an output tar into dir (which must exist), refusing the
// whole archive before writing anything when it has an absolute path, a
// path leaving dir ("..") or a duplicate, a file that other entries use as
// their directory, a link (symbolic or hard), a
// device, FIFO or other special entry, more than MaxFiles entries or more
// than MaxBytes of content. Files are created with mode 0644 (0755 for
// directories) whatever the archive says.
func Extract(tarball []byte, dir string, lim ExtractLimits) error {
	if lim.MaxFiles == 0 {
		lim.MaxFiles = 10_000
	}
	if lim.MaxBytes == 0 {
		lim.MaxBytes = 1 << 30
	}
	type entry struct {
		name string
		dir  bool
		size int64
	}
	var entries []entry
	seen := map[string]bool{}
	var total int64
	tr := tar.NewReader(bytes.NewReader(tarball))
	for {
		h, err := tr.Next()
		if err == io.EOF {
			break
		}
		if err != nil {
			return fmt.Errorf("%w: %v", ErrUnsafeArchive, err)
		}
		name := path.Clean(strings.TrimPrefix(h.Name, "./"))
		if name == "." {
			continue
		}
		if path.IsAbs(h.Name) || name == ".." || strings.HasPrefix(name, "../") || strings.Contains(h.Name, "\\") {
			return fmt.Errorf("%w: %q leaves the output directory", ErrUnsafeArchive, h.Name)
		}
		switch h.Typeflag {
		case tar.TypeReg, tar.TypeDir:
		default:
			return fmt.Errorf("%w: %q is a %s entry, only files and directories are extracted", ErrUnsafeArchive, h.Name, typeName(h.Typeflag))
		}
		if seen[name] {
			return fmt.Errorf("%w: %q appears twice", ErrUnsafeArchive, h.Name)
		}
		seen[name] = true
		if len(entries) == lim.MaxFiles {
			return fmt.Errorf("%w: more than %d entries", ErrUnsafeArchive, lim.MaxFiles)
		}
		total += h.Size
		if h.Size < 0 || total > lim.MaxBytes {
			return fmt.Errorf("%w: more than %d bytes", ErrUnsafeArchive, lim.MaxBytes)
		}
		entries = append(entries, entry{name: name, dir: h.Typeflag == tar.TypeDir, size: h.Size})
	}
	// A regular file that is also a directory of another entry ("a" and
	// "a/b", or "a" and "a/") cannot be written: refuse it here rather than
	// half-way through writing.
	files := map[string]bool{}
	for _, e := range entries {
		if !e.dir {
			files[e.name] = true
		}
	}
	for _, e := range entries {
		for p := path.Dir(e.name); p != "."; p = path.Dir(p) {
			if files[p] {
				return fmt.Errorf("%w: %q is a file and also the directory of %q", ErrUnsafeArchive, p, e.name)
			}
		}
	}
	// Second pass: write, now that the whole archive is known to be safe.
	tr = tar.NewReader(bytes.NewReader(tarball))
	i := 0
	for {
		h, err := tr.Next()
		if err == io.EOF {
			return nil
		}
		if err != nil {
			return fmt.Errorf("consumer: extract: %w", err)
		}
		if path.Clean(strings.TrimPrefix(h.Name, "./")) == "." {
			continue
		}
		e := entries[i]
		i++
		target := filepath.Join(dir, filepath.FromSlash(e.name))
		if e.dir {
			if err := os.MkdirAll(target, 0o755); err != nil {
				return fmt.Errorf("consumer: extract: %w", err)
			}
			continue
		}
		if err := os.MkdirAll(filepath.Dir(target), 0o755); err != nil {
			return fmt.Errorf("consumer: extract: %w", err)
		}
		f, err := os.OpenFile(target, os.O_WRONLY|os.O_CREATE|os.O_EXCL, 0o644)
		if err != nil {
			return fmt.Errorf("consumer: extract: %w", err)
		}
		_, err = io.CopyN(f, tr, e.size)
		if cerr := f.Close(); err == nil {
			err = cerr
		}
		if err != nil {
			return fmt.Errorf("consumer: extract %s: %w", e.name, err)
		}
	}
}

func typeName(t byte) string {
	switch t {
	case tar.TypeSymlink:
		return "symbolic link"
	case tar.TypeLink:
		return "hard link"
	case tar.TypeChar, tar.TypeBlock:
		return "device"
	case tar.TypeFifo:
		return "FIFO"
	}
	return fmt.Sprintf("type %q", t)
}

// ContentDigest hashes what an output tar holds, not how it was packed:
// the sorted names of its directories and regular files and each file's
// bytes, ignoring times, owners and modes, so that two runs of a
// deterministic job compare equal.
func ContentDigest(tarball []byte) ([32]byte, error) {
	type file struct {
		name string
		sum  [32]byte
	}
	var files []file
	tr := tar.NewReader(bytes.NewReader(tarball))
	for {
		h, err := tr.Next()
		if err == io.EOF {
			break
		}
		if err != nil {
			return [32]byte{}, fmt.Errorf("consumer: output tar: %w", err)
		}
		name := path.Clean(strings.TrimPrefix(h.Name, "./"))
		switch h.Typeflag {
		case tar.TypeDir:
			files = append(files, file{name: name + "/"})
		case tar.TypeReg:
			hh := sha256.New()
			if _, err := io.Copy(hh, tr); err != nil {
				return [32]byte{}, fmt.Errorf("consumer: output tar: %w", err)
			}
			f := file{name: name}
			copy(f.sum[:], hh.Sum(nil))
			files = append(files, f)
		default:
			files = append(files, file{name: name + "@" + h.Linkname})
		}
	}
	sort.Slice(files, func(i, j int) bool { return files[i].name < files[j].name })
	all := sha256.New()
	for _, f := range files {
		fmt.Fprintf(all, "%d:%s", len(f.name), f.name)
		all.Write(f.sum[:])
	}
	var out [32]byte
	copy(out[:], all.Sum(nil))
	return out, nil
}
