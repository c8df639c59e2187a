package maelstrom

import (
	"encoding/json"
	"strings"
	"testing"

	"github.com/faultline/faultline/ledger"
)

// Every ledger RPC the node refuses gets its own reason, and every field
// the ledger itself judges reaches it: a transfer's timestamp or an
// account's preset balances come back as the ledger's result codes,
// never dropped in silence.
func TestLedgerRequestValidation(t *testing.T) {
	refused := []struct{ name, body, text string }{
		{"unknown field", `{"type":"create_accounts","accounts":[{"id":"1","ledger":1,"code":1,"colour":"red"}]}`, `unknown field "colour"`},
		{"unknown top-level field", `{"type":"lookup_accounts","ids":["1"],"limit":5}`, `unknown field "limit"`},
		{"wrong list", `{"type":"create_accounts","transfers":[]}`, "create_accounts takes accounts, not transfers"},
		{"missing list", `{"type":"create_transfers"}`, "create_transfers needs transfers"},
		{"hex id", `{"type":"lookup_accounts","ids":["0x10"]}`, `ids[0]: "0x10" is not a decimal number`},
		{"signed id", `{"type":"lookup_transfers","ids":["+1"]}`, `ids[0]: "+1" is not a decimal number`},
		{"id over 2^128", `{"type":"lookup_accounts","ids":["340282366920938463463374607431768211456"]}`, "is not below 2^128"},
		{"exponent amount", `{"type":"create_transfers","transfers":[{"id":"1","amount":"1e3"}]}`, `transfers[0].amount: "1e3" is not a plain decimal`},
		{"bare point", `{"type":"create_transfers","transfers":[{"id":"1","amount":"5."}]}`, `"5." is not a plain decimal`},
		{"huge amount", `{"type":"create_transfers","transfers":[{"id":"1","amount":"` + strings.Repeat("9", 65) + `"}]}`, "over 64 digits"},
		{"bad balance", `{"type":"create_accounts","accounts":[{"id":"1","debits_posted":"lots"}]}`, `accounts[0].debits_posted: "lots"`},
		{"negative ledger", `{"type":"create_accounts","accounts":[{"id":"1","ledger":-1}]}`, "cannot unmarshal number -1"},
		{"flags too wide", `{"type":"create_transfers","transfers":[{"id":"1","flags":70000}]}`, "cannot unmarshal number 70000"},
		{"string code", `{"type":"create_accounts","accounts":[{"id":"1","code":"1"}]}`, "cannot unmarshal string"},
		{"too many", `{"type":"lookup_accounts","ids":[` + strings.TrimSuffix(strings.Repeat(`"1",`, ledger.BatchEventsMax+1), ",") + `]}`, "8191 events, at most 8190"},
	}
	for _, c := range refused {
		t.Run(c.name, func(t *testing.T) {
			req, err := decodeLedgerRequest(json.RawMessage(c.body))
			if err == nil {
				_, err = req.toCommand()
			}
			if err == nil || !strings.Contains(err.Error(), c.text) {
				t.Fatalf("got %v, want an error containing %q", err, c.text)
			}
		})
	}

	judged := []struct{ name, body, result string }{
		{"preset balance", `{"type":"create_accounts","accounts":[{"id":"1","ledger":1,"code":1,"debits_posted":"10"}]}`, "balances_must_be_zero"},
		{"account timestamp", `{"type":"create_accounts","accounts":[{"id":"1","ledger":1,"code":1,"timestamp":5}]}`, "timestamp_must_be_zero"},
		{"transfer timestamp", `{"type":"create_transfers","transfers":[{"id":"9","debit_account_id":"1","credit_account_id":"2","amount":"1","ledger":1,"code":1,"timestamp":5}]}`, "timestamp_must_be_zero"},
		{"negative amount", `{"type":"create_transfers","transfers":[{"id":"9","debit_account_id":"1","credit_account_id":"2","amount":"-1","ledger":1,"code":1}]}`, "amount_must_not_be_negative"},
		{"too precise", `{"type":"create_transfers","transfers":[{"id":"9","debit_account_id":"1","credit_account_id":"2","amount":"0.001","ledger":1,"code":1}]}`, "amount_scale_exceeds_ledger"},
		{"unknown flags", `{"type":"create_accounts","accounts":[{"id":"1","ledger":1,"code":1,"flags":32768}]}`, "flags_are_unknown"},
		{"zero id", `{"type":"create_accounts","accounts":[{"ledger":1,"code":1}]}`, "id_must_not_be_zero"},
	}
	for _, c := range judged {
		t.Run(c.name, func(t *testing.T) {
			req, err := decodeLedgerRequest(json.RawMessage(c.body))
			if err != nil {
				t.Fatal(err)
			}
			cmd, err := req.toCommand()
			if err != nil {
				t.Fatal(err)
			}
			m := NewMachine()
			setup := ledger.Command{Op: ledger.OpCreateAccounts, Accounts: []ledger.Account{
				{ID: ledger.ID{Lo: 1}, Ledger: 1, Code: 1}, {ID: ledger.ID{Lo: 2}, Ledger: 1, Code: 1}}}
			if req.Type == "create_transfers" {
				m.Apply(append([]byte{forLedger}, ledger.EncodeCommand(setup)...), 1)
			}
			body := ledgerReplyBody(req.Type, m.Apply(append([]byte{forLedger}, ledger.EncodeCommand(cmd)...), 100))
			results, _ := body.(map[string]any)["results"].([]string)
			if len(results) != 1 || results[0] != c.result {
				t.Fatalf("got %v, want [%s]", body, c.result)
			}
		})
	}
}
