package compute

import (
	"strings"

	"github.com/distribution/reference"
)

// imageAllowed reports whether image matches one of the allowed prefixes.
// Both sides are normalised first (distribution/reference), so "ubuntu",
// "library/ubuntu" and "docker.io/library/ubuntu" are one repository, and
// matching stops at path boundaries, so "pytorch/pytorch" allows
// "pytorch/pytorch:2.3" but not "pytorch/pytorch-x". A prefix may be:
//   - a repository ("pytorch/pytorch", "ghcr.io/lab/train"): that
//     repository and any repository below it, with any tag or digest;
//   - a reference with a tag or digest ("ubuntu:22.04"): exactly that;
//   - anything ending in a slash, a namespace: "ghcr.io/lab/" allows the
//     repositories under ghcr.io/lab, "pytorch/" those of the Docker Hub
//     namespace pytorch, and a registry host ("ghcr.io/",
//     "localhost:5000/") everything it serves.
//
// A prefix that does not parse matches nothing.
func imageAllowed(image string, prefixes []string) bool {
	named, err := reference.ParseNormalizedNamed(image)
	if err != nil {
		return false
	}
	for _, pre := range prefixes {
		if prefixMatches(named, pre) {
			return true
		}
	}
	return false
}

func prefixMatches(img reference.Named, prefix string) bool {
	if ns, ok := strings.CutSuffix(prefix, "/"); ok {
		return namespaceMatches(img, ns)
	}
	pre, err := reference.ParseNormalizedNamed(prefix)
	if err != nil {
		return false
	}
	_, tagged := pre.(reference.Tagged)
	_, digested := pre.(reference.Digested)
	if tagged || digested {
		return img.String() == pre.String()
	}
	name := img.Name()
	return name == pre.Name() || strings.HasPrefix(name, pre.Name()+"/")
}

// namespaceMatches reports whether img lies strictly under the namespace
// ns: a registry host when ns is a single component that Docker would read
// as one ("localhost", or containing "." or ":"), else a repository path,
// normalised (a single component is a Docker Hub namespace).
func namespaceMatches(img reference.Named, ns string) bool {
	if ns == "" {
		return false
	}
	if !strings.Contains(ns, "/") {
		if ns == "localhost" || strings.ContainsAny(ns, ".:") {
			return reference.Domain(img) == ns
		}
		return strings.HasPrefix(img.Name(), "docker.io/"+ns+"/")
	}
	pre, err := reference.ParseNormalizedNamed(ns)
	if err != nil || !reference.IsNameOnly(pre) {
		return false
	}
	return strings.HasPrefix(img.Name(), pre.Name()+"/")
}
