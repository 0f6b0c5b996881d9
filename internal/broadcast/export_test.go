package broadcast

// Feed runs a feeder on a broadcast, as another instance's feed job would.
var Feed = (*Service).feed
