package api

import (
	"errors"
	"mime/multipart"
	"net"
	"net/http"
	"testing"
	"time"

	"github.com/danielgtaylor/huma/v2"
)

// TestUploadPastItsReadDeadlineIsA408: an upload whose client stops
// sending (a connection whose read deadline passed) is answered 408 like
// the bodies huma reads itself, not 422 "interrupted".
func TestUploadPastItsReadDeadlineIsA408(t *testing.T) {
	server, client := net.Pipe()
	defer client.Close()
	defer server.Close()
	if err := server.SetReadDeadline(time.Now().Add(-time.Second)); err != nil {
		t.Fatal(err)
	}
	_, err := multipart.NewReader(server, "b").NextPart()
	if err == nil {
		t.Fatal("read past the deadline succeeded")
	}
	var se huma.StatusError
	if !errors.As(uploadError(err, "body", "malformed multipart body"), &se) || se.GetStatus() != http.StatusRequestTimeout {
		t.Fatalf("uploadError(%v) = %v, want a 408", err, se)
	}
}
