package scenarios

// Mutant names the planted bug this binary was built with, or is empty for
// the real code. Planted bugs live outside production code, as patches in
// mutants/catalog; the mutation runner applies one to a copy of the tree
// and sets this at link time (-ldflags -X), so that every record, bundle
// and repro command of a mutant's run says which build reproduces it.
var Mutant string
