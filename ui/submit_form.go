package ui

import (
	"context"
	"fmt"
	"strconv"
	"strings"
	"time"
)

// JobRequest is a job as the Submit screen hands it to the consumer agent.
type JobRequest struct {
	Image      string
	Command    []string
	Env        map[string]string
	GPUs       int
	MinVRAMMB  uint64
	CPUs       float64
	MemoryMB   uint64
	MaxSeconds int64
	Egress     bool // allow network egress
	// Provider is the chosen provider's address; "" asks for the best match.
	Provider string
}

// JobSubmitter is what the Submit screen needs from the consumer agent.
type JobSubmitter interface {
	// Submit runs the x402 exchange and the escrow lock and returns the
	// new job's id.
	Submit(ctx context.Context, req JobRequest) (JobID, error)
	// Budget is the microAlgo the spending caps still allow.
	Budget(ctx context.Context) (uint64, error)
}

// Template is a ready-made job the form starts from.
type Template struct {
	Name, Image, Command string
	GPUs                 int
	MinVRAMGiB           int
	CPUs, MemoryMB       string
	Minutes              string
	Egress               bool
	Env                  string
}

// templates are the Submit screen's starting points, in the order offered.
var templates = []Template{
	{Name: "PyTorch script", Image: "pytorch/pytorch:2.5.1-cuda12.4-cudnn9-runtime",
		Command: `python -c "import torch; x = torch.randn(4096, 4096, device='cuda'); print((x @ x).sum().item())"`,
		GPUs:    1, MinVRAMGiB: 8, CPUs: "4", MemoryMB: "16384", Minutes: "30"},
	{Name: "Image generation", Image: "pytorch/pytorch:2.5.1-cuda12.4-cudnn9-runtime",
		Command: `sh -c "pip install -q diffusers transformers accelerate && python -c \"import os, torch; from diffusers import AutoPipelineForText2Image as P; p = P.from_pretrained('stabilityai/sdxl-turbo', torch_dtype=torch.float16).to('cuda'); p(prompt=os.environ['PROMPT'], num_inference_steps=1, guidance_scale=0.0).images[0].save('/output/image.png')\""`,
		GPUs:    1, MinVRAMGiB: 12, CPUs: "4", MemoryMB: "24576", Minutes: "20", Egress: true,
		Env: "PROMPT=a lighthouse on a cliff at dawn, oil painting"},
	{Name: "Container command", Image: "busybox:1.36",
		Command: `sh -c "uname -a > /output/uname.txt"`, CPUs: "1", MemoryMB: "256", Minutes: "5"},
	{Name: "Custom", CPUs: "1", MemoryMB: "1024", Minutes: "10"},
}

// formInput is the form's raw text.
type formInput struct {
	Image, Command, GPUs, MinVRAM, CPUs, Memory, Minutes, Env string
	Egress                                                    bool
}

// fieldErrors maps a field name to the message shown next to it.
type fieldErrors map[string]string

// Field names, as fieldErrors keys.
const (
	fieldImage   = "image"
	fieldCommand = "command"
	fieldGPUs    = "gpus"
	fieldVRAM    = "vram"
	fieldCPUs    = "cpus"
	fieldMemory  = "memory"
	fieldMinutes = "minutes"
	fieldEnv     = "env"
)

// parse validates in and builds the request; every failing field gets its
// own message.
func (in formInput) parse() (JobRequest, fieldErrors) {
	errs := fieldErrors{}
	var req JobRequest
	req.Image = strings.TrimSpace(in.Image)
	switch {
	case req.Image == "":
		errs[fieldImage] = "An image is required, e.g. busybox:1.36"
	case strings.ContainsAny(req.Image, " \t\n"):
		errs[fieldImage] = "An image reference has no spaces"
	}
	cmd, msg := splitCommand(in.Command)
	if msg != "" {
		errs[fieldCommand] = msg
	}
	req.Command = cmd
	intField := func(name, text string, lo, hi int64, msg string) int64 {
		v, err := strconv.ParseInt(strings.TrimSpace(text), 10, 64)
		if err != nil || v < lo || v > hi {
			errs[name] = msg
		}
		return v
	}
	req.GPUs = int(intField(fieldGPUs, orZero(in.GPUs), 0, 16, "GPUs must be a whole number from 0 to 16"))
	req.MinVRAMMB = uint64(intField(fieldVRAM, orZero(in.MinVRAM), 0, 1024, "Min VRAM must be whole GiB from 0 to 1024")) * 1024
	if req.GPUs == 0 && req.MinVRAMMB > 0 && errs[fieldGPUs] == "" {
		errs[fieldVRAM] = "Min VRAM needs at least one GPU"
	}
	cpus, err := strconv.ParseFloat(strings.TrimSpace(in.CPUs), 64)
	if err != nil || cpus <= 0 || cpus > 256 {
		errs[fieldCPUs] = "CPUs must be a number above 0 and at most 256"
	}
	req.CPUs = cpus
	req.MemoryMB = uint64(intField(fieldMemory, in.Memory, 64, 1<<21, "Memory must be whole MiB from 64 to 2097152"))
	req.MaxSeconds = 60 * intField(fieldMinutes, in.Minutes, 1, 7*24*60, "Max duration must be whole minutes from 1 to 10080")
	req.Env, msg = parseEnv(in.Env)
	if msg != "" {
		errs[fieldEnv] = msg
	}
	req.Egress = in.Egress
	return req, errs
}

func orZero(s string) string {
	if strings.TrimSpace(s) == "" {
		return "0"
	}
	return s
}

// splitCommand splits a command line into words the way a POSIX shell
// would for quotes and backslashes (no expansion); "" keeps the image's
// own command. A malformed line gives the message to show instead.
func splitCommand(s string) ([]string, string) {
	var words []string
	var cur strings.Builder
	inWord := false
	var quote rune
	escaped := false
	for _, r := range s {
		switch {
		case escaped:
			cur.WriteRune(r)
			escaped = false
		case r == '\\' && quote != '\'':
			escaped, inWord = true, true
		case quote != 0:
			if r == quote {
				quote = 0
			} else {
				cur.WriteRune(r)
			}
		case r == '\'' || r == '"':
			quote, inWord = r, true
		case r == ' ' || r == '\t' || r == '\n':
			if inWord {
				words = append(words, cur.String())
				cur.Reset()
				inWord = false
			}
		default:
			cur.WriteRune(r)
			inWord = true
		}
	}
	if quote != 0 {
		return nil, fmt.Sprintf("The command has an unclosed %c quote", quote)
	}
	if escaped {
		return nil, "The command ends with a lone backslash"
	}
	if inWord {
		words = append(words, cur.String())
	}
	return words, ""
}

// parseEnv reads NAME=value lines, or gives the message to show.
func parseEnv(s string) (map[string]string, string) {
	env := map[string]string{}
	for i, line := range strings.Split(s, "\n") {
		line = strings.TrimSpace(line)
		if line == "" {
			continue
		}
		name, value, ok := strings.Cut(line, "=")
		if !ok || !validEnvName(name) {
			return nil, fmt.Sprintf("Line %d: expected NAME=value with NAME of letters, digits and _", i+1)
		}
		env[name] = value
	}
	return env, ""
}

func validEnvName(s string) bool {
	if s == "" || s[0] >= '0' && s[0] <= '9' {
		return false
	}
	for _, c := range s {
		if !(c == '_' || c >= 'a' && c <= 'z' || c >= 'A' && c <= 'Z' || c >= '0' && c <= '9') {
			return false
		}
	}
	return true
}

// lockFor is the escrow a job of maxSeconds at ratePerHour locks:
// ceil(rate·seconds/3600), as the Escrow computes it.
func lockFor(ratePerHour uint64, maxSeconds int64) uint64 {
	return (ratePerHour*uint64(maxSeconds) + 3599) / 3600
}

// bestMatch picks the cheapest online provider that has the GPUs, VRAM
// and job length the request needs (ties by address).
func bestMatch(ps []ProviderListing, req JobRequest, now time.Time) (ProviderListing, bool) {
	for _, p := range (ProviderFilter{OnlineOnly: true, Sort: SortPrice}).Apply(ps, now) {
		if fits(p, req) == "" {
			return p, true
		}
	}
	return ProviderListing{}, false
}

// fits says why p cannot run req, or "" when it can.
func fits(p ProviderListing, req JobRequest) string {
	switch {
	case uint64(req.GPUs) > p.GPUCount:
		return fmt.Sprintf("This provider has %d GPU(s); the job asks for %d", p.GPUCount, req.GPUs)
	case req.GPUs > 0 && p.VRAMMB < req.MinVRAMMB:
		return fmt.Sprintf("This provider has %s VRAM per GPU; the job asks for %s", fmtGiB(p.VRAMMB), fmtGiB(req.MinVRAMMB))
	case p.MaxJobSecs > 0 && uint64(req.MaxSeconds) > p.MaxJobSecs:
		return fmt.Sprintf("This provider takes jobs of at most %s; the job asks for up to %s", fmtSeconds(p.MaxJobSecs), fmtSeconds(uint64(req.MaxSeconds)))
	case uint64(req.MaxSeconds) < p.MinJobSecs:
		return fmt.Sprintf("This provider takes jobs of at least %s", fmtSeconds(p.MinJobSecs))
	}
	return ""
}
