package contracts

import (
	"context"
	"encoding/base64"
	"encoding/json"
	"fmt"
	"regexp"
	"strings"

	"github.com/algorand/go-algorand-sdk/v2/abi"
)

// Spec is the subset of an ARC-56 application specification this package
// writes and reads.
type Spec struct {
	Arcs              []int                      `json:"arcs"`
	Name              string                     `json:"name"`
	Desc              string                     `json:"desc,omitempty"`
	Structs           map[string][]SpecField     `json:"structs"`
	Methods           []SpecMethod               `json:"methods"`
	State             SpecState                  `json:"state"`
	BareActions       SpecActions                `json:"bareActions"`
	SourceInfo        map[string]SpecSourceInfo  `json:"sourceInfo"`
	Source            map[string]string          `json:"source"`
	ByteCode          map[string]string          `json:"byteCode"`
	Events            []SpecEvent                `json:"events"`
	Networks          map[string]SpecNetwork     `json:"networks"`
	TemplateVariables map[string]json.RawMessage `json:"templateVariables"`
}

// SpecField is an ARC-56 struct field, argument or event argument.
type SpecField struct {
	Name   string `json:"name,omitempty"`
	Type   string `json:"type"`
	Struct string `json:"struct,omitempty"`
}

// SpecMethod is an ARC-56 method.
type SpecMethod struct {
	Name     string      `json:"name"`
	Desc     string      `json:"desc,omitempty"`
	Args     []SpecField `json:"args"`
	Returns  SpecField   `json:"returns"`
	Actions  SpecActions `json:"actions"`
	Readonly bool        `json:"readonly"`
	Events   []SpecEvent `json:"events"`
}

// SpecActions lists the OnCompletion actions allowed on create and call.
type SpecActions struct {
	Create []string `json:"create"`
	Call   []string `json:"call"`
}

// SpecEvent is an ARC-28 event.
type SpecEvent struct {
	Name string      `json:"name"`
	Args []SpecField `json:"args"`
}

// SpecState is an ARC-56 state description.
type SpecState struct {
	Schema map[string]SpecSchema                `json:"schema"`
	Keys   map[string]map[string]SpecStorage    `json:"keys"`
	Maps   map[string]map[string]SpecStorageMap `json:"maps"`
}

// SpecSchema is a state schema.
type SpecSchema struct {
	Ints  uint64 `json:"ints"`
	Bytes uint64 `json:"bytes"`
}

// SpecStorage is one ARC-56 storage key.
type SpecStorage struct {
	KeyType   string `json:"keyType"`
	ValueType string `json:"valueType"`
	Key       string `json:"key"`
}

// SpecStorageMap is one ARC-56 storage map (box prefix).
type SpecStorageMap struct {
	KeyType   string `json:"keyType"`
	ValueType string `json:"valueType"`
	Prefix    string `json:"prefix"`
}

// SpecSourceInfo maps program counters to error messages.
type SpecSourceInfo struct {
	SourceInfo     []SpecPCInfo `json:"sourceInfo"`
	PCOffsetMethod string       `json:"pcOffsetMethod"`
}

// SpecPCInfo names the error raised at a set of program counters.
type SpecPCInfo struct {
	PC           []int  `json:"pc"`
	ErrorMessage string `json:"errorMessage"`
}

// SpecNetwork is the app id of a deployment on one network (genesis hash).
type SpecNetwork struct {
	AppID uint64 `json:"appID"`
}

// Compiled is a program compiled by algod, with the error code tagged on
// each source line that can reject ("// ERR:CODE"), by program counter.
type Compiled struct {
	Program []byte
	Errors  map[int]string
}

// Compiler compiles TEAL source, returning the program bytes and, for each
// program counter, the 0-based source line it came from.
type Compiler interface {
	Compile(ctx context.Context, source []byte) (program []byte, pcLines map[int]int, err error)
}

var errTag = regexp.MustCompile(`//\s*(ERR:[A-Z0-9_]+)`)

// CompileTagged compiles source and maps each tagged line's program
// counters to its error code.
func CompileTagged(ctx context.Context, c Compiler, source []byte) (Compiled, error) {
	prog, pcLines, err := c.Compile(ctx, source)
	if err != nil {
		return Compiled{}, err
	}
	lines := strings.Split(string(source), "\n")
	errs := map[int]string{}
	for pc, line := range pcLines {
		if line < 0 || line >= len(lines) {
			continue
		}
		if m := errTag.FindStringSubmatch(lines[line]); m != nil {
			errs[pc] = m[1]
		}
	}
	return Compiled{Program: prog, Errors: errs}, nil
}

// BuildSpec compiles an application's TEAL and the shared clear program and
// assembles its ARC-56 specification.
func BuildSpec(ctx context.Context, c Compiler, d AppDecl) (Spec, error) {
	approvalSrc, err := Source(d.Source)
	if err != nil {
		return Spec{}, err
	}
	clearSrc, err := Source(clearSource)
	if err != nil {
		return Spec{}, err
	}
	approval, err := CompileTagged(ctx, c, approvalSrc)
	if err != nil {
		return Spec{}, fmt.Errorf("compile %s: %w", d.Source, err)
	}
	clear, err := CompileTagged(ctx, c, clearSrc)
	if err != nil {
		return Spec{}, fmt.Errorf("compile %s: %w", clearSource, err)
	}
	methods, err := specMethods(d)
	if err != nil {
		return Spec{}, err
	}
	b64 := base64.StdEncoding.EncodeToString
	s := Spec{
		Arcs:        []int{4, 22, 28, 56},
		Name:        d.Name,
		Desc:        d.Desc,
		Structs:     map[string][]SpecField{},
		Methods:     methods,
		State:       specState(d),
		BareActions: SpecActions{Create: []string{"NoOp"}, Call: []string{}},
		SourceInfo: map[string]SpecSourceInfo{
			"approval": sourceInfo(approval.Errors),
			"clear":    sourceInfo(clear.Errors),
		},
		Source:            map[string]string{"approval": b64(approvalSrc), "clear": b64(clearSrc)},
		ByteCode:          map[string]string{"approval": b64(approval.Program), "clear": b64(clear.Program)},
		Events:            specEvents(d.Events),
		Networks:          map[string]SpecNetwork{},
		TemplateVariables: map[string]json.RawMessage{},
	}
	for name, fields := range d.Structs {
		s.Structs[name] = specFields(fields)
	}
	return s, nil
}

func specMethods(d AppDecl) ([]SpecMethod, error) {
	events := map[string]SpecEvent{}
	for _, e := range specEvents(d.Events) {
		events[e.Name] = e
	}
	var out []SpecMethod
	for _, md := range d.Methods {
		m, err := abi.MethodFromSignature(md.Signature)
		if err != nil {
			return nil, fmt.Errorf("%s: %w", md.Signature, err)
		}
		if len(md.Args) != len(m.Args) {
			return nil, fmt.Errorf("%s: %d arg names for %d args", md.Signature, len(md.Args), len(m.Args))
		}
		sm := SpecMethod{Name: m.Name, Desc: md.Desc, Readonly: md.Readonly,
			Returns: SpecField{Type: m.Returns.Type, Struct: md.Returns},
			Actions: SpecActions{Create: []string{}, Call: []string{"NoOp"}}, Events: []SpecEvent{}}
		for i, a := range m.Args {
			sm.Args = append(sm.Args, SpecField{Name: md.Args[i], Type: a.Type})
		}
		if sm.Args == nil {
			sm.Args = []SpecField{}
		}
		for _, name := range md.Events {
			e, ok := events[name]
			if !ok {
				return nil, fmt.Errorf("%s: undeclared event %s", md.Signature, name)
			}
			sm.Events = append(sm.Events, e)
		}
		out = append(out, sm)
	}
	return out, nil
}

func specFields(fields []Field) []SpecField {
	out := make([]SpecField, 0, len(fields))
	for _, f := range fields {
		out = append(out, SpecField(f))
	}
	return out
}

func specEvents(decls []EventDecl) []SpecEvent {
	out := make([]SpecEvent, 0, len(decls))
	for _, e := range decls {
		out = append(out, SpecEvent{Name: e.Name, Args: specFields(e.Args)})
	}
	return out
}

func specState(d AppDecl) SpecState {
	b64 := func(s string) string { return base64.StdEncoding.EncodeToString([]byte(s)) }
	globals := map[string]SpecStorage{}
	for _, k := range d.Globals {
		globals[k.Name] = SpecStorage{KeyType: k.KeyType, ValueType: k.ValueType, Key: b64(k.Key)}
	}
	boxes := map[string]SpecStorageMap{}
	for _, k := range d.Boxes {
		boxes[k.Name] = SpecStorageMap{KeyType: k.KeyType, ValueType: k.ValueType, Prefix: b64(k.Key)}
	}
	return SpecState{
		Schema: map[string]SpecSchema{"global": {Ints: d.GlobalInts, Bytes: d.GlobalBytes}, "local": {}},
		Keys:   map[string]map[string]SpecStorage{"global": globals, "local": {}, "box": {}},
		Maps:   map[string]map[string]SpecStorageMap{"global": {}, "local": {}, "box": boxes},
	}
}

func sourceInfo(errs map[int]string) SpecSourceInfo {
	byMsg := map[string][]int{}
	var order []string
	for pc := 0; pc <= maxKey(errs); pc++ {
		msg, ok := errs[pc]
		if !ok {
			continue
		}
		if _, seen := byMsg[msg]; !seen {
			order = append(order, msg)
		}
		byMsg[msg] = append(byMsg[msg], pc)
	}
	info := SpecSourceInfo{SourceInfo: []SpecPCInfo{}, PCOffsetMethod: "none"}
	for _, msg := range order {
		info.SourceInfo = append(info.SourceInfo, SpecPCInfo{PC: byMsg[msg], ErrorMessage: msg})
	}
	return info
}

func maxKey(m map[int]string) int {
	max := -1
	for k := range m {
		if k > max {
			max = k
		}
	}
	return max
}

// MarshalSpec renders a spec as indented JSON with a trailing newline, the
// form committed under arc56/.
func MarshalSpec(s Spec) ([]byte, error) {
	b, err := json.MarshalIndent(s, "", "  ")
	if err != nil {
		return nil, err
	}
	return append(b, '\n'), nil
}
