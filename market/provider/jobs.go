package provider

import (
	"encoding/hex"
	"errors"
	"fmt"
	"io"
	"net/http"
	"os"
	"strconv"

	"github.com/algorand/go-algorand-sdk/v2/types"
	"go.etcd.io/bbolt"

	"github.com/kinetic-compute/kinetic/compute"
	"github.com/kinetic-compute/kinetic/market/jobauth"
	"github.com/kinetic-compute/kinetic/market/sse"
	"github.com/kinetic-compute/kinetic/proof"
)

// HeaderOutputSHA256 carries the hex SHA-256 of the output tar on
// GET /v1/jobs/{id}/result.
const HeaderOutputSHA256 = "Kinetic-Output-SHA256"

// authJob resolves the job of the path and checks the request is signed by
// its consumer; it answers 404, 401 or 403 itself and returns false then.
func (s *Server) authJob(w http.ResponseWriter, r *http.Request) (jobRecord, bool) {
	id, err := compute.ParseJobID(r.PathValue("id"))
	if err != nil {
		writeError(w, http.StatusNotFound, "no such job")
		return jobRecord{}, false
	}
	rec, ok, err := s.store.job(id)
	if err != nil {
		writeError(w, http.StatusInternalServerError, err.Error())
		return jobRecord{}, false
	}
	if !ok {
		writeError(w, http.StatusNotFound, "no such job")
		return jobRecord{}, false
	}
	consumer, err := types.DecodeAddress(rec.Consumer)
	if err != nil {
		writeError(w, http.StatusInternalServerError, err.Error())
		return jobRecord{}, false
	}
	if err := s.auth.Verify(r, id, consumer); err != nil {
		if errors.Is(err, jobauth.ErrMissing) {
			w.Header().Set("WWW-Authenticate", "Kinetic-Ed25519")
		}
		writeError(w, jobauth.Status(err), err.Error())
		return jobRecord{}, false
	}
	return rec, true
}

func (s *Server) jobEvents(w http.ResponseWriter, r *http.Request) {
	rec, ok := s.authJob(w, r)
	if !ok {
		return
	}
	sse.Serve(w, r, s.events, rec.ID)
}

func (s *Server) result(w http.ResponseWriter, r *http.Request) {
	rec, ok := s.authJob(w, r)
	if !ok {
		return
	}
	if rec.OutputTar == "" {
		writeError(w, http.StatusConflict, "job has no result yet (state "+rec.State+")")
		return
	}
	f, err := os.Open(rec.OutputTar)
	if err != nil {
		writeError(w, http.StatusGone, "output is no longer kept")
		return
	}
	defer f.Close()
	st, err := f.Stat()
	if err != nil {
		writeError(w, http.StatusInternalServerError, err.Error())
		return
	}
	w.Header().Set("Content-Type", "application/x-tar")
	w.Header().Set("Content-Length", strconv.FormatInt(st.Size(), 10))
	w.Header().Set(HeaderOutputSHA256, hex.EncodeToString(rec.OutputSHA[:]))
	_, _ = io.Copy(w, f)
}

func (s *Server) proof(w http.ResponseWriter, r *http.Request) {
	rec, ok := s.authJob(w, r)
	if !ok {
		return
	}
	if len(rec.Proof) == 0 {
		writeError(w, http.StatusConflict, "no proof steps yet")
		return
	}
	w.Header().Set("Content-Type", "application/json")
	_, _ = w.Write(rec.Proof)
}

func (s *Server) cancel(w http.ResponseWriter, r *http.Request) {
	rec, ok := s.authJob(w, r)
	if !ok {
		return
	}
	s.jmu.Lock()
	cancel, running := s.cancels[rec.ID]
	s.jmu.Unlock()
	if !running {
		writeError(w, http.StatusConflict, "job is not running (state "+rec.State+")")
		return
	}
	cancel()
	writeJSON(w, http.StatusAccepted, map[string]string{"jobId": rec.ID.String(), "state": "canceling"})
}

// JobStatus is the provider's view of one job, for the CLI and tests.
type JobStatus struct {
	ID         compute.JobID
	Consumer   string
	State      string
	ResultTxID string
	SettleTxID string
	Error      string
	// Image is the job's container image; Locked the microAlgo its offer
	// locked (before any top-up), Rate its price per hour and MaxSeconds
	// the seconds the offer allowed.
	Image      string
	Locked     uint64
	Rate       uint64
	MaxSeconds uint64
	// Billed is the seconds the submitted result bills.
	Billed uint64
	// Outcome is how a settled job ended (OutcomeReleased, OutcomeClaimed
	// or OutcomeDisputed) and Paid what that paid this provider, microAlgo;
	// Outcome is empty when the settlement was not found on the chain.
	Outcome string
	Paid    uint64
}

// Jobs lists the jobs the provider was paid for.
func (s *Server) Jobs() ([]JobStatus, error) {
	recs, err := s.store.jobs()
	if err != nil {
		return nil, err
	}
	out := make([]JobStatus, 0, len(recs))
	for _, r := range recs {
		out = append(out, statusOf(r))
	}
	return out, nil
}

// statusOf is the JobStatus of a stored record.
func statusOf(r jobRecord) JobStatus {
	return JobStatus{ID: r.ID, Consumer: r.Consumer, State: r.State, ResultTxID: r.ResultTxID, SettleTxID: r.SettleTxID, Error: r.Error,
		Image: r.Spec.Image, Locked: r.Offer.Locked, Rate: r.Offer.Rate, MaxSeconds: r.Offer.MaxSeconds,
		Billed: r.Billed, Outcome: r.Outcome, Paid: r.Paid}
}

// LoadJob reads one job a provider agent recorded in db, without running
// one (for the app's job detail): its status as ListJobs gives it and the
// proof chain recorded so far (nil when none). ok is false when db has no
// such job; err wraps a proof that does not decode.
func LoadJob(db *bbolt.DB, id compute.JobID) (st JobStatus, chain *proof.Chain, ok bool, err error) {
	s, err := newStore(db)
	if err != nil {
		return JobStatus{}, nil, false, err
	}
	rec, ok, err := s.job(id)
	if err != nil || !ok {
		return JobStatus{}, nil, false, err
	}
	if len(rec.Proof) > 0 {
		if chain, err = proof.Unmarshal(rec.Proof); err != nil {
			return statusOf(rec), nil, true, fmt.Errorf("provider: recorded proof of job %s: %w", id, err)
		}
	}
	return statusOf(rec), chain, true, nil
}

// ListJobs reads the jobs a provider agent recorded in db without running
// one (for `kinetic jobs`).
func ListJobs(db *bbolt.DB) ([]JobStatus, error) {
	st, err := newStore(db)
	if err != nil {
		return nil, err
	}
	s := &Server{store: st}
	return s.Jobs()
}
