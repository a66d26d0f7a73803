package mqttingest

import (
	"errors"
	"strings"
)

// The topic layout. A gateway publishes a batch of readings to
//
//	<prefix>/ingest/<token public id>/readings
//
// e.g. serenade/v1/ingest/7Qm2x…/readings, where the public id is the
// part of its ingest token between the "srn_" and the second "_". The
// topic names the token, not the installation: a gateway can only name
// its own token, and the token, checked as over HTTP, decides the
// installation. Serenade subscribes to the shared subscription
//
//	$share/<group>/<prefix>/ingest/+/readings
const (
	ingestLevel   = "ingest"
	readingsLevel = "readings"
)

// validPrefix accepts topic levels without wildcards, a leading '$' or
// an empty level.
func validPrefix(p string) error {
	if p == "" || strings.HasPrefix(p, "$") || strings.ContainsAny(p, "+#") {
		return errors.New("want topic levels without '+', '#' or a leading '$'")
	}
	for _, level := range strings.Split(p, "/") {
		if level == "" {
			return errors.New("want no empty topic level (no leading, trailing or double '/')")
		}
	}
	return nil
}

// Filter is the shared subscription of the replicas of group.
func Filter(group, prefix string) string {
	return "$share/" + group + "/" + prefix + "/" + ingestLevel + "/+/" + readingsLevel
}

// Topic is where the gateway holding the token with publicID publishes.
func Topic(prefix, publicID string) string {
	return prefix + "/" + ingestLevel + "/" + publicID + "/" + readingsLevel
}

// publicIDOf returns the token public id a topic names; false when the
// topic is not an ingest topic under prefix.
func publicIDOf(prefix, topic string) (string, bool) {
	rest, ok := strings.CutPrefix(topic, prefix+"/"+ingestLevel+"/")
	if !ok {
		return "", false
	}
	id, ok := strings.CutSuffix(rest, "/"+readingsLevel)
	if !ok || id == "" || strings.Contains(id, "/") {
		return "", false
	}
	return id, true
}
