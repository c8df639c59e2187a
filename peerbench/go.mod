module github.com/faultline/faultline/peerbench

go 1.26.0

replace github.com/faultline/faultline => ../

require github.com/faultline/faultline v0.0.0-00010101000000-000000000000
