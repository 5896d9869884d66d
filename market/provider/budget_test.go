package provider_test

import (
	"errors"
	"strconv"
	"testing"

	"github.com/kinetic-compute/kinetic/contracts"
	"github.com/kinetic-compute/kinetic/internal/testkit"
	"github.com/kinetic-compute/kinetic/market/consumer"
	"github.com/kinetic-compute/kinetic/market/provider"
	"github.com/kinetic-compute/kinetic/wallet"
)

// TestSubmitBudget: over the per-job cap nothing is signed or paid; within
// it the lock is paid and the budget counts it.
func TestSubmitBudget(t *testing.T) {
	m := newMarket(t, provider.Config{})
	budget := wallet.NewBudget(testkit.DB(t), nil)
	c := consumer.New(m.chain, m.cons, nil).WithBudget(budget)
	spec := m.spec("echo b > /output/b")
	pr, _ := m.offerFor(spec)
	amount, _ := strconv.ParseUint(pr.Accepts[0].Amount, 10, 64)
	if err := budget.SetLimits(m.ctx, wallet.BudgetLimits{PerJob: amount}); err != nil { // the fee does not fit
		t.Fatal(err)
	}
	before := m.balance(m.cons.Address())
	_, err := c.Submit(m.ctx, m.url, spec, consumer.Terms{})
	over, ok := wallet.IsOverBudget(err)
	if !ok || over.Scope != "job" {
		t.Fatalf("submit over the cap: %v, want a per-job ErrOverBudget", err)
	}
	if got := m.balance(m.cons.Address()); got != before {
		t.Fatalf("balance moved by %d with nothing signed", int64(got)-int64(before))
	}
	if err := budget.SetLimits(m.ctx, wallet.BudgetLimits{PerJob: amount + 1000}); err != nil {
		t.Fatal(err)
	}
	job, err := c.Submit(m.ctx, m.url, spec, consumer.Terms{})
	if err != nil {
		t.Fatalf("submit within the cap: %v", err)
	}
	u, err := budget.Usage(m.ctx, job.ID)
	if err != nil {
		t.Fatal(err)
	}
	if got := before - m.balance(m.cons.Address()); got != job.Amount+1000 {
		t.Fatalf("paid %d, want %d", got, job.Amount+1000)
	}
	if u.JobSpent != job.Amount+1000 || u.JobReserved != 0 {
		t.Fatalf("budget usage %+v, want %d committed and nothing reserved", u, job.Amount+1000)
	}
	if _, err := m.chain.Job(m.ctx, job.ID); errors.Is(err, contracts.ErrNotFound) {
		t.Fatal("no escrow box after a paid submit")
	}
}
