/* chunk_scan.c: reads the framing of a chunked body (sizes, extensions,
 * CRLFs, the trailer section's end) byte by byte, ahead of the HTTP parser,
 * which skips extensions unchecked. Chunk data is stepped over, not read. */
#include "http/chunk_scan.h"

#include <string.h>

enum {
    SIZE,       /* hex digits */
    EXT_BWS,    /* after the size or an extension: BWS, ';' or CR */
    EXT_NAME0,  /* after ';': BWS, then a name */
    EXT_NAME,   /* in a name */
    EXT_EQ,     /* after a name: BWS, '=', ';' or CR */
    EXT_VAL0,   /* after '=': BWS, then a token or a quoted string */
    EXT_TOKEN,  /* in a token value */
    EXT_QUOTED, /* in a quoted value */
    EXT_ESCAPE, /* after a backslash in a quoted value */
    SIZE_LF,    /* the size line's CR came */
    DATA,       /* chunk data: size bytes left */
    DATA_CR,    /* after the data */
    DATA_LF,
    TRAILER0, /* at the start of a trailer line (or the final CRLF) */
    TRAILER,  /* in a trailer line */
    END_LF,   /* the final CR came */
    DONE,
};

static int is_tchar(unsigned char c)
{
    return (c >= '0' && c <= '9') || (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') ||
           (c != 0 && strchr("!#$%&'*+-.^_`|~", c) != NULL);
}

static int hex_value(unsigned char c)
{
    if (c >= '0' && c <= '9')
        return c - '0';
    if (c >= 'a' && c <= 'f')
        return c - 'a' + 10;
    if (c >= 'A' && c <= 'F')
        return c - 'A' + 10;
    return -1;
}

/* qdtext and quoted-pair's second byte: HTAB, SP, VCHAR, obs-text. */
static int is_qdtext(unsigned char c) { return c == '\t' || c == ' ' || (c >= 0x21 && c != 0x7f); }

void wa__chunk_scan_init(wa__chunk_scan *s)
{
    memset(s, 0, sizeof *s);
    s->state = SIZE;
}

int wa__chunk_scan_done(const wa__chunk_scan *s) { return s->state == DONE; }

/* One byte of an extension (the states from EXT_BWS to EXT_ESCAPE). Returns
 * the next state, or -1. */
static int ext_step(int st, unsigned char c)
{
    int bws = c == ' ' || c == '\t';
    switch (st) {
    case EXT_BWS: return bws ? EXT_BWS : c == ';' ? EXT_NAME0 : c == '\r' ? SIZE_LF : -1;
    case EXT_NAME0: return bws ? EXT_NAME0 : is_tchar(c) ? EXT_NAME : -1;
    case EXT_NAME:
        if (is_tchar(c))
            return EXT_NAME;
        /* what may follow a name */
        /* fall through */
    case EXT_EQ:
        return bws ? EXT_EQ : c == '=' ? EXT_VAL0 : c == ';' ? EXT_NAME0 : c == '\r' ? SIZE_LF : -1;
    case EXT_VAL0: return bws ? EXT_VAL0 : c == '"' ? EXT_QUOTED : is_tchar(c) ? EXT_TOKEN : -1;
    case EXT_TOKEN: return is_tchar(c) ? EXT_TOKEN : ext_step(EXT_BWS, c);
    case EXT_QUOTED:
        return c == '"' ? EXT_BWS : c == '\\' ? EXT_ESCAPE : is_qdtext(c) ? EXT_QUOTED : -1;
    case EXT_ESCAPE: return is_qdtext(c) ? EXT_QUOTED : -1;
    }
    return -1;
}

long wa__chunk_scan_feed(wa__chunk_scan *s, const char *p, size_t n)
{
    size_t i = 0;
    while (i < n && s->state != DONE) {
        unsigned char c = (unsigned char)p[i];
        switch (s->state) {
        case SIZE: {
            int v = hex_value(c);
            if (v >= 0) {
                if (++s->digits > 16)
                    return -1;
                s->size = s->size * 16 + (uint64_t)v;
                break;
            }
            if (s->digits == 0)
                return -1;
            if (c == '\r') {
                s->state = SIZE_LF;
                break;
            }
            s->state = EXT_BWS;
            continue; /* the same byte, as the start of the extensions */
        }
        case SIZE_LF:
            if (c != '\n')
                return -1;
            s->state = s->size ? DATA : TRAILER0;
            break;
        case DATA: {
            size_t k = n - i;
            if (k > s->size)
                k = (size_t)s->size;
            s->size -= k;
            i += k;
            if (s->size == 0)
                s->state = DATA_CR;
            continue;
        }
        case DATA_CR:
            if (c != '\r')
                return -1;
            s->state = DATA_LF;
            break;
        case DATA_LF:
            if (c != '\n')
                return -1;
            s->state = SIZE;
            s->digits = 0;
            break;
        case TRAILER0: s->state = c == '\r' ? END_LF : c == '\n' ? DONE : TRAILER; break;
        case TRAILER:
            if (c == '\n')
                s->state = TRAILER0;
            break;
        case END_LF:
            if (c != '\n')
                return -1;
            s->state = DONE;
            break;
        default: {
            int next = ext_step(s->state, c);
            if (next < 0)
                return -1;
            s->state = next;
            s->ext_bytes++;
            break;
        }
        }
        i++;
    }
    return (long)i;
}
