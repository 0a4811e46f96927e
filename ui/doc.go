// Package ui is s3crypt's terminal interface (Bubble Tea v2): one root
// Model that routes messages to concrete children (the Keys, Buckets and
// Objects views, the aws-command log, dialogs), runs what they ask for on
// the actions.Worker, and lays out a header, bordered panes (list, flow,
// details, log), a status line and a help bar built from the KeyMap.
//
// Written by hand, and why:
//   - the flow diagram (flow.go) is a pure function of (styles, steps seen,
//     frame, width) so any moment of an envelope flow is a golden file; no
//     library draws sequence diagrams in cells;
//   - the object table (table.go) renders only the visible rows of a list
//     that may hold 100,000 entries, and pages and HEADs lazily; bubbles'
//     table renders every row it is given.
//
// Listings go through Data (data.go, the SDK clients, cheap and paged);
// every change goes through the worker as an action, so it shows its steps,
// its KMS cost and its aws CLI equivalent. Nothing here does I/O in Update
// or View.
package ui
