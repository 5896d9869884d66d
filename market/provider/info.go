package provider

import (
	"encoding/base64"
	"encoding/json"
	"net/http"
	"time"

	"github.com/kinetic-compute/kinetic/compute"
)

// InfoDomain is the sigframe domain of the GET /v1/info signature.
const InfoDomain = "market-info"

// HeaderInfoSignature carries the provider's signature of the /v1/info body.
const HeaderInfoSignature = "Kinetic-Info-Signature"

// GPU is one GPU as GET /v1/info reports it.
type GPU struct {
	UUID   string `json:"uuid"`
	Name   string `json:"name"`
	VRAMMB uint64 `json:"vramMB"`
	Driver string `json:"driver,omitempty"`
	CUDA   string `json:"cuda,omitempty"`
}

// Info is the body of GET /v1/info. The response carries
// HeaderInfoSignature: base64 of the provider's ed25519 signature of the
// exact body bytes in InfoDomain, which a consumer checks against the
// address registered in the Registry.
type Info struct {
	Provider     string         `json:"provider"`
	Version      string         `json:"version"`
	Network      string         `json:"network"`
	EscrowApp    uint64         `json:"escrowApp"`
	PricePerHour uint64         `json:"pricePerHour"`
	Policy       compute.Policy `json:"policy"`
	GPUs         []GPU          `json:"gpus"`
	Queue        int            `json:"queue"`
	Running      int            `json:"running"`
	Time         time.Time      `json:"time"`
}

func (s *Server) info(w http.ResponseWriter, r *http.Request) {
	net, err := s.network(r.Context())
	if err != nil {
		writeError(w, http.StatusServiceUnavailable, err.Error())
		return
	}
	in := Info{Provider: s.signer.Address().String(), Version: s.cfg.Version, Network: net,
		EscrowApp: s.chain.EscrowApp(), PricePerHour: s.cfg.Price, Policy: s.cfg.Policy,
		GPUs: []GPU{}, Queue: len(s.queue), Running: len(s.engine.Running()), Time: s.cfg.Now().UTC()}
	for _, g := range s.cfg.GPUs {
		in.GPUs = append(in.GPUs, GPU{UUID: g.UUID, Name: g.Name, VRAMMB: g.MemoryTotalMB, Driver: g.Driver, CUDA: g.CUDA})
	}
	body, err := json.Marshal(in)
	if err != nil {
		writeError(w, http.StatusInternalServerError, err.Error())
		return
	}
	sig, err := s.signer.SignMessage(InfoDomain, body)
	if err != nil {
		writeError(w, http.StatusInternalServerError, "sign info: "+err.Error())
		return
	}
	w.Header().Set(HeaderInfoSignature, base64.StdEncoding.EncodeToString(sig))
	w.Header().Set("Content-Type", "application/json")
	_, _ = w.Write(body)
}
