module github.com/faultline/faultline

go 1.26.0

require (
	github.com/anishathalye/porcupine v1.3.1
	github.com/jepsen-io/maelstrom/demo/go v0.0.0-20251128144731-cb7f07239012
	golang.org/x/term v0.48.0
)

require (
	github.com/shopspring/decimal v1.4.0 // indirect
	golang.org/x/sys v0.50.0 // indirect
	pgregory.net/rapid v1.2.0 // indirect
)
