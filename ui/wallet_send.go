package ui

import (
	"errors"
	"fmt"
	"strings"

	"fyne.io/fyne/v2"
	"fyne.io/fyne/v2/container"
	"fyne.io/fyne/v2/theme"
	"fyne.io/fyne/v2/widget"
	"github.com/algorand/go-algorand-sdk/v2/types"
)

// The Wallet screen's Send tab: a validated form, a priced confirmation
// step, then the send. Part of the Wallet screen (wallet.go).

// Validation messages of the receiver field.
var (
	errAddressEmpty = errors.New("enter the receiver's Algorand address")
	errAddressSelf  = errors.New("that is this account's own address")
)

// validateAddress checks an Algorand address typed by the user.
func validateAddress(s string) error {
	s = strings.TrimSpace(s)
	switch {
	case s == "":
		return errAddressEmpty
	case len(s) != 58:
		return fmt.Errorf("an Algorand address is 58 characters; this one has %d", len(s))
	}
	if _, err := types.DecodeAddress(s); err != nil {
		return errors.New("not a valid Algorand address (its checksum does not match)")
	}
	return nil
}

type sendForm struct {
	w          *Wallet
	to         *widget.Entry
	amount     *widget.Entry
	review     *widget.Button
	confirm    *widget.Button
	cancel     *widget.Button
	summary    *widget.Label
	status     *widget.Label
	confirmBox *fyne.Container
	quote      *SendQuote
	content    fyne.CanvasObject
}

func newSendForm(w *Wallet) *sendForm {
	f := &sendForm{w: w}
	f.to = widget.NewEntry()
	f.to.SetPlaceHolder("Receiver's address (58 characters)")
	f.to.Validator = validateAddress
	f.amount = widget.NewEntry()
	f.amount.SetPlaceHolder("Amount in ALGO, e.g. 1.5")
	f.amount.Validator = func(s string) error { _, err := parseAlgoInput(s); return err }
	f.review = widget.NewButtonWithIcon("Review payment", theme.ConfirmIcon(), f.onReview)
	f.review.Importance = widget.HighImportance
	f.summary = widget.NewLabel("")
	f.summary.Wrapping = fyne.TextWrapWord
	f.confirm = widget.NewButtonWithIcon("Confirm and send", theme.MailSendIcon(), f.onConfirm)
	f.confirm.Importance = widget.DangerImportance
	f.cancel = widget.NewButton("Cancel", f.reset)
	f.confirmBox = container.NewVBox(f.summary, container.NewHBox(f.confirm, f.cancel))
	f.confirmBox.Hide()
	f.status = widget.NewLabel("")
	f.status.Wrapping = fyne.TextWrapWord
	fields := widget.NewForm(
		widget.NewFormItem("To", f.to),
		widget.NewFormItem("Amount (ALGO)", f.amount),
	)
	f.content = widget.NewCard("Send ALGO", "Payments are final once confirmed on-chain",
		container.NewVBox(fields, f.review, f.confirmBox, f.status))
	return f
}

// onReview validates the fields and, when they are valid, prices the payment.
func (f *sendForm) onReview() {
	to := strings.TrimSpace(f.to.Text)
	err := validateAddress(to)
	if err == nil && to == f.w.selected {
		err = errAddressSelf
	}
	if err != nil {
		warn(f.status, "To: "+err.Error())
		return
	}
	amount, err := parseAlgoInput(f.amount.Text)
	if err != nil {
		warn(f.status, "Amount: "+err.Error())
		return
	}
	from := f.w.selected
	f.review.Disable()
	f.status.Importance = widget.MediumImportance
	f.status.SetText("Pricing the payment…")
	f.w.spawn(func() {
		q, err := f.w.svc.Quote(f.w.ctx, from, to, amount)
		fyne.Do(func() {
			f.review.Enable()
			if err != nil {
				warn(f.status, "Cannot send: "+err.Error())
				return
			}
			f.quote = &q
			f.summary.SetText(fmt.Sprintf("Send %s to %s?\nNetwork fee %s · balance afterwards %s",
				formatAlgo(q.Amount), q.To, formatAlgo(q.Fee), formatAlgo(q.After)))
			f.status.SetText("")
			f.confirmBox.Show()
		})
	})
}

// onConfirm sends the quoted payment, then reloads the account.
func (f *sendForm) onConfirm() {
	if f.quote == nil {
		return
	}
	q := *f.quote
	f.confirm.Disable()
	f.cancel.Disable()
	f.status.Importance = widget.MediumImportance
	f.status.SetText("Sending… waiting for the network to confirm")
	f.w.spawn(func() {
		txid, err := f.w.svc.Send(f.w.ctx, q)
		fyne.Do(func() {
			f.confirm.Enable()
			f.cancel.Enable()
			if err != nil {
				warn(f.status, "Not sent: "+err.Error())
				return
			}
			f.quote = nil
			f.confirmBox.Hide()
			f.to.SetText("")
			f.amount.SetText("")
			f.status.Importance = widget.SuccessImportance
			f.status.SetText("Sent " + formatAlgo(q.Amount) + " · transaction " + txid)
		})
		if err == nil {
			f.w.loadAccount(f.w.ctx, q.From)
		}
	})
}

// reset drops a pending confirmation.
func (f *sendForm) reset() {
	f.quote = nil
	f.confirmBox.Hide()
	f.status.SetText("")
}
