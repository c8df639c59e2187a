module github.com/faultline/faultline/peerbench/etcd37

go 1.26.0

require (
	github.com/faultline/faultline/peerbench v0.0.0-00010101000000-000000000000
	go.etcd.io/raft/v3 v3.7.0
	google.golang.org/protobuf v1.36.11
)

replace (
	github.com/faultline/faultline => ../../
	github.com/faultline/faultline/peerbench => ../
)
