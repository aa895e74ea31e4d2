/* encode_text.c - the README's C example: load a model trained by `soso train`, encode
 * one line of text and print its cluster and strongest concepts with their words.
 *
 *   cc encode_text.c $(pkg-config --cflags --libs soso) -o encode_text
 *   ./encode_text model.soso "a sweet red fruit"
 */
#include <soso.h>
#include <stdio.h>
#include <stdlib.h>

int main(int argc, char **argv)
{
    if (argc != 3) {
        fprintf(stderr, "usage: %s MODEL TEXT\n", argv[0]);
        return 2;
    }
    soso_model *model = NULL;
    if (soso_model_load(argv[1], &model) != SOSO_OK) {
        fprintf(stderr, "encode_text: %s\n", soso_last_error());
        return 1;
    }
    size_t units = soso_model_units(model), known = 0, unknown = 0;
    float *codes = malloc(units * sizeof *codes);
    if (!codes || soso_model_encode_text_ex(model, argv[2], SOSO_NUL_TERMINATED, codes, units, &known,
                                            &unknown) != SOSO_OK) {
        fprintf(stderr, "encode_text: %s\n", codes ? soso_last_error() : "out of memory");
        soso_model_free(model);
        free(codes);
        return 1;
    }
    printf("known words: %zu, unknown: %zu\n", known, unknown);
    if (known == 0) {
        printf("no cluster: none of the words is in the model's vocabulary\n");
    } else {
        printf("cluster: %d\n", soso_argmax(codes, units));
        soso_topk_mask(codes, units, 3, 0); /* the three strongest concepts */
        const soso_vocab *vocab = soso_model_vocab(model);
        for (size_t u = 0; u < units; u++) {
            if (codes[u] == 0.0f) continue;
            uint32_t ids[5];
            size_t found = 0;
            soso_model_topic_words(model, u, +1, 5, ids, NULL, &found);
            printf("unit %zu  %.4f ", u, codes[u]);
            for (size_t i = 0; i < found; i++) printf(" %s", soso_vocab_word(vocab, ids[i]));
            printf("\n");
        }
    }
    free(codes);
    soso_model_free(model);
    return 0;
}
