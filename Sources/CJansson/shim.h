// Wrappers for jansson macros Swift cannot import (json_typeof, the decode
// flags) so the JSON target can stay in Swift.
#ifndef HELIOS_CJANSSON_SHIM_H
#define HELIOS_CJANSSON_SHIM_H
#include <stddef.h>
#include <jansson.h>

static inline int helios_json_typeof(const json_t *value) { return (int)json_typeof(value); }

/// Decodes any JSON value (not only arrays/objects) and keeps NUL in strings.
static inline json_t *helios_json_loadb(const char *buffer, size_t length, json_error_t *error) {
    return json_loadb(buffer, length, JSON_DECODE_ANY | JSON_ALLOW_NUL, error);
}

/// The same, reading every number as a double (for integers beyond int64,
/// which the default decoding refuses).
static inline json_t *helios_json_loadb_reals(const char *buffer, size_t length, json_error_t *error) {
    return json_loadb(buffer, length, JSON_DECODE_ANY | JSON_ALLOW_NUL | JSON_DECODE_INT_AS_REAL, error);
}

static inline void helios_json_decref(json_t *value) { json_decref(value); }

#endif
