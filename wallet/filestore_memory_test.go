package wallet

import (
	"bytes"
	"context"
	"errors"
	"os"
	"path/filepath"
	"reflect"
	"testing"
	"unsafe"
)

// heldBytes walks v (through pointers, structs, maps and slices, exported
// or not) and returns every byte slice and string it holds.
func heldBytes(v reflect.Value, out *[][]byte) {
	switch v.Kind() {
	case reflect.Pointer, reflect.Interface:
		if !v.IsNil() {
			heldBytes(v.Elem(), out)
		}
	case reflect.Struct:
		for i := range v.NumField() {
			f := v.Field(i)
			f = reflect.NewAt(f.Type(), unsafe.Pointer(f.UnsafeAddr())).Elem()
			heldBytes(f, out)
		}
	case reflect.Map:
		it := v.MapRange()
		for it.Next() {
			heldBytes(it.Key(), out)
			heldBytes(it.Value(), out)
		}
	case reflect.Slice:
		if v.Type().Elem().Kind() == reflect.Uint8 {
			*out = append(*out, bytes.Clone(v.Bytes()))
			return
		}
		for i := range v.Len() {
			heldBytes(v.Index(i), out)
		}
	case reflect.String:
		*out = append(*out, []byte(v.String()))
	}
}

// TestFileStoreKeepsOnlyTheDerivedKey checks the doc comment of FileStore:
// an open store holds neither the passphrase nor any seed in memory, only
// the derived key, before and after Put and Get; Close zeroes the key.
func TestFileStoreKeepsOnlyTheDerivedKey(t *testing.T) {
	ctx := context.Background()
	path := filepath.Join(t.TempDir(), "ks")
	pass := []byte("correct horse battery staple")
	seed := bytes.Repeat([]byte{0x5a}, seedSize)
	s, err := OpenFileStore(path, pass, fastKDF)
	if err != nil {
		t.Fatal(err)
	}
	if err := s.Put(ctx, "ADDR", seed); err != nil {
		t.Fatal(err)
	}
	got, err := s.Get(ctx, "ADDR")
	if err != nil || !bytes.Equal(got, seed) {
		t.Fatalf("Get = %x, %v", got, err)
	}
	zero(got)
	_ = s.Close()
	// A second store opened on the existing file, checked the same way.
	s, err = OpenFileStore(path, pass, fastKDF)
	if err != nil {
		t.Fatal(err)
	}
	defer s.Close()
	if got, err = s.Get(ctx, "ADDR"); err != nil || !bytes.Equal(got, seed) {
		t.Fatalf("Get after reopen = %x, %v", got, err)
	}
	var held [][]byte
	heldBytes(reflect.ValueOf(s), &held)
	var key []byte
	for _, b := range held {
		if bytes.Contains(b, pass) {
			t.Errorf("the open store holds the passphrase")
		}
		if bytes.Contains(b, seed) {
			t.Errorf("the open store holds a seed")
		}
		if len(b) == aeadKeySize && key == nil && s.key != nil && bytes.Equal(b, s.key.key) {
			key = b
		}
	}
	if key == nil || bytes.Equal(key, make([]byte, aeadKeySize)) {
		t.Fatal("the open store holds no derived key")
	}
	k := s.key
	_ = s.Close()
	if !bytes.Equal(k.key, make([]byte, aeadKeySize)) {
		t.Fatal("Close did not zero the derived key")
	}
	if _, err := s.Get(ctx, "ADDR"); err == nil || err.Error() != "wallet: keystore is closed" {
		t.Fatalf("Get after Close = %v", err)
	}
}

// TestFileStoreRefusesAFileReplacedUnderIt: another writer replaces the
// file under a new salt (another passphrase); the open store refuses it
// with ErrKeystoreReplaced instead of overwriting it.
func TestFileStoreRefusesAFileReplacedUnderIt(t *testing.T) {
	ctx := context.Background()
	path := filepath.Join(t.TempDir(), "ks")
	a, err := OpenFileStore(path, []byte("first"), fastKDF)
	if err != nil {
		t.Fatal(err)
	}
	defer a.Close()
	if err := a.Put(ctx, "A", bytes.Repeat([]byte{1}, seedSize)); err != nil {
		t.Fatal(err)
	}
	if err := os.Remove(path); err != nil {
		t.Fatal(err)
	}
	b, err := OpenFileStore(path, []byte("second"), fastKDF)
	if err != nil {
		t.Fatal(err)
	}
	defer b.Close()
	if err := b.Put(ctx, "B", bytes.Repeat([]byte{2}, seedSize)); err != nil {
		t.Fatal(err)
	}
	before, _ := os.ReadFile(path)
	if err := a.Put(ctx, "A2", bytes.Repeat([]byte{3}, seedSize)); !errors.Is(err, ErrKeystoreReplaced) {
		t.Fatalf("Put on a replaced file = %v, want ErrKeystoreReplaced", err)
	}
	if after, _ := os.ReadFile(path); !bytes.Equal(before, after) {
		t.Fatal("the replaced file was overwritten")
	}
}
