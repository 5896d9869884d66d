package compute

import (
	"archive/tar"
	"bytes"
	"errors"
	"fmt"
	"io"
	"path"
	"strings"
)

// ValidateInputArchive checks an input tar: at most MaxInputBytes long,
// at most MaxInputEntries entries holding MaxInputUnpacked bytes, and only
// regular files and directories with clean relative names (no absolute
// paths, no "..", no links, devices or FIFOs). An empty archive is valid.
func ValidateInputArchive(data []byte) error {
	if len(data) == 0 {
		return nil
	}
	if len(data) > MaxInputBytes {
		return specErr("input", ErrInputTooLarge, "%d bytes, at most %d", len(data), MaxInputBytes)
	}
	return walkInput(data, func(*tar.Header, io.Reader) error { return nil })
}

// walkInput validates each entry of an input tar and hands it to fn.
func walkInput(data []byte, fn func(*tar.Header, io.Reader) error) error {
	tr := tar.NewReader(bytes.NewReader(data))
	var entries int
	var unpacked int64
	for {
		hdr, err := tr.Next()
		if errors.Is(err, io.EOF) {
			return nil
		}
		if err != nil {
			return specErr("input", ErrUnsafeInput, "not a tar archive: %v", err)
		}
		if entries++; entries > MaxInputEntries {
			return specErr("input", ErrInputTooLarge, "more than %d entries", MaxInputEntries)
		}
		if err := checkInputEntry(hdr); err != nil {
			return err
		}
		if unpacked += hdr.Size; unpacked > MaxInputUnpacked {
			return specErr("input", ErrInputTooLarge, "unpacks to more than %d bytes", MaxInputUnpacked)
		}
		if err := fn(hdr, tr); err != nil {
			return err
		}
		// Read what fn left of the entry, so that a truncated entry is
		// refused under its name (the next Next would only say "unexpected
		// EOF"). The total read is at most len(data).
		if _, err := io.Copy(io.Discard, tr); err != nil {
			return specErr("input", ErrUnsafeInput, "%q is truncated: %v", hdr.Name, err)
		}
	}
}

func checkInputEntry(hdr *tar.Header) error {
	name := hdr.Name
	switch hdr.Typeflag {
	case tar.TypeReg, tar.TypeDir:
	case tar.TypeSymlink, tar.TypeLink:
		return specErr("input", ErrUnsafeInput, "%q is a link", name)
	case tar.TypeChar, tar.TypeBlock, tar.TypeFifo:
		return specErr("input", ErrUnsafeInput, "%q is a device or FIFO", name)
	default:
		return specErr("input", ErrUnsafeInput, "%q has unsupported type %q", name, hdr.Typeflag)
	}
	if hdr.Size < 0 {
		return specErr("input", ErrUnsafeInput, "%q has negative size", name)
	}
	trimmed := strings.TrimSuffix(name, "/")
	if trimmed == "" || strings.HasPrefix(name, "/") || strings.ContainsAny(name, "\x00\\") {
		return specErr("input", ErrUnsafeInput, "%q is not a relative path", name)
	}
	if c := path.Clean(trimmed); c != trimmed && "./"+c != trimmed || c == ".." || strings.HasPrefix(c, "../") {
		return specErr("input", ErrUnsafeInput, "%q escapes the input directory", name)
	}
	return nil
}

// inputForContainer rewrites a validated input tar for CopyToContainer into
// /input: the volume root becomes root-owned 0755 and every entry root-owned
// and not writable by the job, so the job can read its input but not grow it.
func inputForContainer(data []byte) ([]byte, error) {
	var buf bytes.Buffer
	tw := tar.NewWriter(&buf)
	if err := tw.WriteHeader(&tar.Header{Name: "/", Typeflag: tar.TypeDir, Mode: 0o755}); err != nil {
		return nil, err
	}
	err := walkInput(data, func(hdr *tar.Header, r io.Reader) error {
		mode := int64(0o644)
		if hdr.Typeflag == tar.TypeDir || hdr.Mode&0o111 != 0 {
			mode = 0o755
		}
		out := &tar.Header{Name: hdr.Name, Typeflag: hdr.Typeflag, Size: hdr.Size, Mode: mode, ModTime: hdr.ModTime, Format: tar.FormatPAX}
		if err := tw.WriteHeader(out); err != nil {
			return err
		}
		_, err := io.Copy(tw, r)
		return err
	})
	if err != nil {
		return nil, fmt.Errorf("input archive: %w", err)
	}
	if err := tw.Close(); err != nil {
		return nil, err
	}
	return buf.Bytes(), nil
}

// ownedDirArchive is a tar whose only entry, named "/", makes the directory
// it is copied into owned by uid:gid with the given mode. Docker skips a
// "." entry for the destination itself but applies "/" to it, which is how
// a fresh volume's root is handed to the non-root job user.
func ownedDirArchive(uid, gid int, mode int64) []byte {
	var buf bytes.Buffer
	tw := tar.NewWriter(&buf)
	_ = tw.WriteHeader(&tar.Header{Name: "/", Typeflag: tar.TypeDir, Mode: mode, Uid: uid, Gid: gid})
	_ = tw.Close()
	return buf.Bytes()
}
