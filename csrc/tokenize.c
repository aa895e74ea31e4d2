/* tokenize.c - UTF-8 text to lowercased words, the same for C and Swift callers.
 * Letters are ASCII plus the Latin, Greek and Cyrillic blocks (see soso.h); every other
 * code point, and every byte that is not valid UTF-8, separates words. */
#include "soso_internal.h"

#include <string.h>

void soso_text_options_default(soso_text_options *o)
{
    if (!o) return;
    o->min_word_len = 2;
    o->max_word_len = 40;
    o->stop_words = 1;
    o->min_df = 2;
    o->max_vocab = 0;
    o->max_distinct = 10000000;
}

const char *soso__text_options_check(const soso_text_options *o)
{
    if (!o) return "text options are NULL";
    if (o->min_word_len < 1) return "min_word_len must be >= 1";
    if (o->max_word_len > 255) return "max_word_len must be <= 255";
    if (o->max_word_len < o->min_word_len) return "max_word_len must be >= min_word_len";
    if (o->min_df < 1) return "min_df must be >= 1";
    return NULL;
}

size_t soso__utf8_decode(const unsigned char *s, size_t n, uint32_t *cp)
{
    unsigned char c = s[0];
    if (c < 0x80) {
        *cp = c;
        return 1;
    }
    size_t len;
    uint32_t v, min;
    if (c >= 0xC2 && c <= 0xDF) { len = 2; v = c & 0x1F; min = 0x80; }
    else if (c >= 0xE0 && c <= 0xEF) { len = 3; v = c & 0x0F; min = 0x800; }
    else if (c >= 0xF0 && c <= 0xF4) { len = 4; v = c & 0x07; min = 0x10000; }
    else return 0;
    if (n < len) return 0;
    for (size_t i = 1; i < len; i++) {
        if ((s[i] & 0xC0) != 0x80) return 0;
        v = (v << 6) | (s[i] & 0x3F);
    }
    if (v < min || v > 0x10FFFF || (v >= 0xD800 && v <= 0xDFFF)) return 0;
    *cp = v;
    return len;
}

static int is_letter(uint32_t c)
{
    if (c < 0x80) return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z');
    if (c >= 0xC0 && c <= 0x24F) return c != 0xD7 && c != 0xF7; /* Latin-1, Ext-A, Ext-B */
    if (c >= 0x370 && c <= 0x3FF) return c != 0x37E && c != 0x387 && c != 0x375; /* Greek */
    if (c >= 0x400 && c <= 0x52F) return !(c >= 0x482 && c <= 0x489);          /* Cyrillic */
    if (c >= 0x1E00 && c <= 0x1EFF) return 1; /* Latin Extended Additional */
    return 0;
}

static uint32_t to_lower(uint32_t c)
{
    if (c < 0x80) return (c >= 'A' && c <= 'Z') ? c + 32 : c;
    if (c >= 0xC0 && c <= 0xDE && c != 0xD7) return c + 32;
    if (c >= 0x100 && c <= 0x137) return c | 1;                       /* even upper, odd lower */
    if (c >= 0x139 && c <= 0x148) return (c & 1) ? c + 1 : c;         /* odd upper, even lower */
    if (c >= 0x14A && c <= 0x177) return c | 1;
    if (c == 0x178) return 0xFF;
    if (c >= 0x179 && c <= 0x17E) return (c & 1) ? c + 1 : c;
    if (c >= 0x391 && c <= 0x3AB && c != 0x3A2) return c + 32;        /* Greek capitals */
    if (c >= 0x410 && c <= 0x42F) return c + 32;                       /* Cyrillic capitals */
    if (c >= 0x400 && c <= 0x40F) return c + 80;
    return c;
}

static size_t utf8_encode(uint32_t c, char *out)
{
    if (c < 0x80) { out[0] = (char)c; return 1; }
    if (c < 0x800) {
        out[0] = (char)(0xC0 | (c >> 6));
        out[1] = (char)(0x80 | (c & 0x3F));
        return 2;
    }
    if (c < 0x10000) {
        out[0] = (char)(0xE0 | (c >> 12));
        out[1] = (char)(0x80 | ((c >> 6) & 0x3F));
        out[2] = (char)(0x80 | (c & 0x3F));
        return 3;
    }
    out[0] = (char)(0xF0 | (c >> 18));
    out[1] = (char)(0x80 | ((c >> 12) & 0x3F));
    out[2] = (char)(0x80 | ((c >> 6) & 0x3F));
    out[3] = (char)(0x80 | (c & 0x3F));
    return 4;
}

soso_status soso_tokenize(const char *text, size_t len, const soso_text_options *options, soso_word_fn fn,
                          void *user, size_t *invalid_bytes)
{
    if (!text && len != 0 && len != SOSO_NUL_TERMINATED) return soso__fail(SOSO_E_ARG, "text is NULL");
    if (!fn) return soso__fail(SOSO_E_ARG, "word callback is NULL");
    const char *why = soso__text_options_check(options);
    if (why) return soso__fail(SOSO_E_ARG, "%s", why);
    if (!text) len = 0;
    else if (len == SOSO_NUL_TERMINATED) len = strlen(text);

    /* 255 code points of at most 4 bytes, plus NUL. */
    char word[255 * 4 + 1];
    size_t wbytes = 0, wchars = 0, invalid = 0;
    int too_long = 0, stop = 0;
    const unsigned char *s = (const unsigned char *)text;
    size_t i = 0;
    while (!stop) {
        uint32_t cp = 0;
        size_t step = 0;
        int letter = 0;
        if (i < len) {
            step = soso__utf8_decode(s + i, len - i, &cp);
            if (step == 0) {
                invalid++;
                step = 1;
            } else {
                letter = is_letter(cp);
            }
        }
        if (letter) {
            if (wchars < options->max_word_len) wbytes += utf8_encode(to_lower(cp), word + wbytes);
            else too_long = 1;
            wchars++;
        } else if (wchars > 0) {
            if (!too_long && wchars >= options->min_word_len) {
                word[wbytes] = '\0';
                if (!(options->stop_words && soso__is_builtin_stop_word(word))) stop = fn(word, wbytes, user) != 0;
            }
            wbytes = wchars = 0;
            too_long = 0;
        }
        if (i >= len) break;
        i += step;
    }
    if (invalid_bytes) *invalid_bytes = invalid;
    return SOSO_OK;
}
