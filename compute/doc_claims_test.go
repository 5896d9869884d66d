package compute

import (
	"go/parser"
	"go/token"
	"reflect"
	"regexp"
	"strings"
	"testing"
)

// TestPackageDocClaims checks the package comment against the code: every
// policy it names has its Policy field, and it claims no idle detection,
// which the package does not have.
func TestPackageDocClaims(t *testing.T) {
	f, err := parser.ParseFile(token.NewFileSet(), "doc.go", nil, parser.ParseComments|parser.PackageClauseOnly)
	if err != nil {
		t.Fatal(err)
	}
	doc := strings.Join(strings.Fields(f.Doc.Text()), " ")
	claims := map[string]string{
		"rental schedule":   "Schedule",
		"thermal limits":    "ThermalHardC",
		"a foreign process": "OnForeign",
	}
	policy := reflect.TypeFor[Policy]()
	for phrase, field := range claims {
		if !strings.Contains(doc, phrase) {
			t.Errorf("the package doc no longer names %q", phrase)
		}
		if _, ok := policy.FieldByName(field); !ok {
			t.Errorf("the doc names %q but Policy has no %s", phrase, field)
		}
	}
	if _, ok := policy.FieldByName("Idle"); !ok && regexp.MustCompile(`(?i)\bidle\b`).MatchString(doc) {
		t.Errorf("the package doc mentions idleness, which no code detects: %s", doc)
	}
}
