/* fuzz_model.c - libFuzzer target: any bytes as a model file. A loaded model must be
 * usable (encode, topics, save) without any memory error. */
#include <soso.h>
#include <stdint.h>
#include <stdlib.h>

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    soso_model *m = NULL;
    if (soso_model_load_buffer(data, size, &m) != SOSO_OK) return 0;
    size_t h = soso_model_units(m);
    float *codes = malloc(h * sizeof *codes);
    uint32_t ids[5];
    size_t found;
    soso_model_encode_text(m, "a small test of every word", SOSO_NUL_TERMINATED, codes, h);
    soso_model_topic_words(m, 0, 1, 5, ids, NULL, &found);
    void *buf = NULL;
    size_t len = 0;
    if (soso_model_save_buffer(m, &buf, &len) == SOSO_OK) soso_free(buf);
    free(codes);
    soso_model_free(m);
    return 0;
}
