package telemetry

import (
	"context"
	"io"
	"log/slog"
	"slices"

	"go.opentelemetry.io/otel/trace"
)

// NewLogger returns a JSON logger writing to w at level whose records,
// when logged with a context, carry trace_id, span_id and request_id (and
// upstream_request_id, the id a trusted proxy sent).
// Commands use it before (or without) a Telemetry.
func NewLogger(w io.Writer, level slog.Level) *slog.Logger {
	return slog.New(wrapHandler(slog.NewJSONHandler(w, &slog.HandlerOptions{Level: level})))
}

// wrapHandler adds the ids to h, once.
func wrapHandler(h slog.Handler) slog.Handler {
	if _, ok := h.(idHandler); ok {
		return h
	}
	return idHandler{Handler: h, root: h}
}

// idHandler adds trace_id, span_id, request_id and upstream_request_id from the record's
// context, at the top level even under WithGroup.
type idHandler struct {
	slog.Handler                                   // with every attribute and group
	root         slog.Handler                      // before the first group
	grouped      []func(slog.Handler) slog.Handler // WithGroup and WithAttrs since
}

func (h idHandler) Handle(ctx context.Context, r slog.Record) error {
	if ctx == nil {
		return h.Handler.Handle(ctx, r)
	}
	var ids []slog.Attr
	if sc := trace.SpanContextFromContext(ctx); sc.IsValid() {
		ids = append(ids, slog.String("trace_id", sc.TraceID().String()), slog.String("span_id", sc.SpanID().String()))
	}
	if id := RequestID(ctx); id != "" {
		ids = append(ids, slog.String("request_id", id))
	}
	if up := upstreamRequestID(ctx); up != "" {
		ids = append(ids, slog.String("upstream_request_id", up))
	}
	switch {
	case len(ids) == 0:
		return h.Handler.Handle(ctx, r)
	case len(h.grouped) == 0:
		r.AddAttrs(ids...)
		return h.Handler.Handle(ctx, r)
	}
	out := h.root.WithAttrs(ids)
	for _, f := range h.grouped {
		out = f(out)
	}
	return out.Handle(ctx, r)
}

func (h idHandler) WithAttrs(attrs []slog.Attr) slog.Handler {
	if len(h.grouped) == 0 {
		inner := h.Handler.WithAttrs(attrs)
		return idHandler{Handler: inner, root: inner}
	}
	return idHandler{
		Handler: h.Handler.WithAttrs(attrs),
		root:    h.root,
		grouped: append(slices.Clip(h.grouped), func(x slog.Handler) slog.Handler { return x.WithAttrs(attrs) }),
	}
}

func (h idHandler) WithGroup(name string) slog.Handler {
	if name == "" {
		return h
	}
	return idHandler{
		Handler: h.Handler.WithGroup(name),
		root:    h.root,
		grouped: append(slices.Clip(h.grouped), func(x slog.Handler) slog.Handler { return x.WithGroup(name) }),
	}
}
