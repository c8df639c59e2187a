module github.com/faultline/faultline

go 1.26

require (
	github.com/anishathalye/porcupine v1.3.1 // indirect
	github.com/shopspring/decimal v1.4.0 // indirect
	pgregory.net/rapid v1.2.0 // indirect
)
