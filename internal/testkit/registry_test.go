package testkit

import (
	"net/http"
	"strings"
	"testing"
	"time"
)

// TestRegistryServesPushedImage starts the real registry, pushes a unique
// image and checks that the registry serves its manifest under the digest
// PushUniqueImage returned, and that the engine no longer holds it.
func TestRegistryServesPushedImage(t *testing.T) {
	r := StartRegistry(t)
	ref := r.PushUniqueImage(t, "kinetic/probe", 4096)
	name, digest, ok := strings.Cut(ref, "@")
	if !ok || !strings.HasPrefix(name, r.Addr+"/") || !strings.HasPrefix(digest, "sha256:") {
		t.Fatalf("reference %q", ref)
	}
	req, err := http.NewRequest(http.MethodHead, "http://"+r.Addr+"/v2/kinetic/probe/manifests/"+digest, nil)
	if err != nil {
		t.Fatal(err)
	}
	req.Header.Set("Accept", "application/vnd.docker.distribution.manifest.v2+json")
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	resp.Body.Close()
	if resp.StatusCode != http.StatusOK || resp.Header.Get("Docker-Content-Digest") != digest {
		t.Fatalf("HEAD manifest: %s, digest %q, want %s", resp.Status, resp.Header.Get("Docker-Content-Digest"), digest)
	}
	if _, err := Docker(t).ImageInspect(Context(t, 30*time.Second), ref); err == nil {
		t.Fatalf("%s is still present locally", ref)
	}
}
