/*
 * soso.h - SOSO: Simple, Online, Sparse, Orthogonal concept learning for short texts.
 *
 * SOSO learns a codebook of concept detectors ("units", topics) from a stream of short
 * documents without labels, encodes any text as a sparse vector of the concepts in it,
 * and names each concept by its strongest words. This header is the whole public C API;
 * anything not declared here is private.
 *
 * ---------------------------------------------------------------------------------------
 * Worked example: learn 6 topics from a file with one document per line, then encode.
 *
 *     #include <soso.h>
 *     #include <stdio.h>
 *
 *     int main(void) {
 *         soso_corpus *corpus = NULL; soso_vocab *vocab = NULL; soso_docs *docs = NULL;
 *         soso_model *model = NULL;
 *         soso_text_options text;   soso_text_options_default(&text);
 *         soso_input_options input; soso_input_options_default(&input);
 *         soso_hebbian_params hp;   soso_hebbian_params_default(&hp);
 *         hp.units = 6; hp.threads = 2;
 *
 *         if (soso_corpus_read_file("glosses.tsv", &corpus) != SOSO_OK ||
 *             soso_vocab_build_corpus(corpus, &text, NULL, 0, &vocab) != SOSO_OK ||
 *             soso_docs_from_corpus(corpus, vocab, &input, &docs) != SOSO_OK ||
 *             soso_model_create_hebbian(vocab, &input, &hp, &model) != SOSO_OK ||
 *             soso_model_train(model, docs, NULL, NULL) != SOSO_OK ||
 *             soso_model_save(model, "topics.soso") != SOSO_OK) {
 *             fprintf(stderr, "soso: %s\n", soso_last_error());
 *             return 1;
 *         }
 *         float codes[6];
 *         soso_model_encode_text(model, "a sweet red fruit", SOSO_NUL_TERMINATED, codes, 6);
 *         printf("cluster %d\n", soso_argmax(codes, 6));
 *         soso_model_free(model); soso_docs_free(docs); soso_vocab_free(vocab);
 *         soso_corpus_free(corpus);
 *         return 0;
 *     }
 *
 * Build: cc example.c $(pkg-config --cflags --libs soso)
 * ---------------------------------------------------------------------------------------
 *
 * Conventions (every function follows them):
 * - Every function that can fail returns a soso_status: SOSO_OK (0) or a negative error
 *   code. soso_last_error() then gives a readable detail for the calling thread. The
 *   library never prints, aborts or exits; on error it changes none of its outputs.
 * - Objects are opaque handles made by *_create / *_build / *_load / *_from_* functions
 *   that return the handle through an out-parameter, and released by the matching *_free.
 *   *_free(NULL) does nothing.
 * - Buffers are owned by the caller unless said otherwise; each pointer's size is stated.
 *   Matrices are dense, row-major, float32: a rows x cols matrix is rows * cols floats,
 *   row r starting at r * cols. Units are rows, vocabulary words are columns.
 * - Thread count is a field or argument ("threads"); threads <= 1 runs serially. Results
 *   do not depend on the thread count: the same seed gives bit-identical weights.
 * - Thread safety, for every function below, follows from its signature:
 *   - distinct objects may be used from distinct threads freely;
 *   - a function taking an object by const pointer (const soso_model *, soso_vocab,
 *     soso_docs, soso_corpus, soso_memory) only reads it: any number of threads may call
 *     such functions on one object at once (encode, recall, topics, health, save, ...);
 *   - a function taking a non-const object pointer (train, set_*, add, *_free) needs
 *     exclusive use of that object: no other call on it may run meanwhile;
 *   - functions on plain values (*_default, *_check, soso_status_string, soso_topk_mask,
 *     the orthogonality helpers on caller buffers) share no state; soso_last_error() is
 *     per thread; soso_version_*, soso_build_info and soso_max_threads may be called
 *     from any thread.
 *   The only process-wide state SOSO touches is OpenBLAS's thread count: while any SOSO
 *   call runs dense algebra it is pinned to 1 (SOSO's OpenMP threads share the work, and
 *   sums stay in a fixed order), and the last such call to finish restores the host's
 *   value. Tests/c/test_threads.c checks the promise for encoding and recall.
 * - Text is UTF-8 with an explicit byte length; pass SOSO_NUL_TERMINATED as the length of
 *   a NUL-terminated string. Invalid UTF-8 never crashes anything: each invalid byte acts
 *   as a word separator and is counted.
 */
#ifndef SOSO_H
#define SOSO_H

#include <stddef.h>
#include <stdint.h>

#ifdef __cplusplus
extern "C" {
#endif

/* ---- Version and build ------------------------------------------------------------ */

#define SOSO_VERSION_MAJOR 0
#define SOSO_VERSION_MINOR 1
#define SOSO_VERSION_PATCH 0
#define SOSO_VERSION_STRING "0.1.0"
#define SOSO_VERSION_NUMBER (SOSO_VERSION_MAJOR * 10000 + SOSO_VERSION_MINOR * 100 + SOSO_VERSION_PATCH)

/* The runtime twins of the macros: compare them to detect a header/library mismatch. */
int soso_version_number(void);
const char *soso_version_string(void);

/* One line saying how the library was built: compiler, OpenMP version (or "none"), the
 * kernels of the dense products (SOSO's own "avx512" where the CPU has AVX-512F, else
 * "openblas"), of documents' scores and the Hebbian gate ("avx512" or "portable": the
 * same results either way) and the BLAS it calls, e.g. "soso 0.1.0; gcc 12.2.0; openmp
 * 201511; dense avx512; scores avx512; blas OpenBLAS 0.3.21 ...". */
const char *soso_build_info(void);

/* Number of threads an OpenMP parallel region of this library may use (1 without
 * OpenMP). A sensible default for the "threads" fields. */
int soso_max_threads(void);

/* ---- Status and errors ------------------------------------------------------------ */

typedef enum soso_status {
    SOSO_OK = 0,
    SOSO_E_ARG = -1,     /* an argument is invalid (NULL, out of range, inconsistent)  */
    SOSO_E_NOMEM = -2,   /* allocation failed                                           */
    SOSO_E_IO = -3,      /* a file could not be opened, read, written or renamed        */
    SOSO_E_FORMAT = -4,  /* a file is not a SOSO file, or is truncated or corrupted      */
    SOSO_E_VERSION = -5, /* a file was written by a newer format version                */
    SOSO_E_EMPTY = -6,   /* no data to work on: empty corpus, vocabulary or document set */
    SOSO_E_ABORTED = -7, /* the progress callback asked to stop; finished work is kept   */
    SOSO_E_LIMIT = -8,   /* a size exceeds a documented limit                            */
    SOSO_E_NUMERIC = -9  /* a NaN or infinity appeared in input or would appear in output */
} soso_status;

/* A short fixed description of a status ("invalid argument", ...). Never NULL. */
const char *soso_status_string(soso_status status);

/* Detail of the last error raised on the calling thread ("units must be >= 1, got 0").
 * Valid until the next failing call on this thread. Never NULL ("" when none). */
const char *soso_last_error(void);

/* The operating system's error number (errno) behind that last error, when a system call
 * failed (a SOSO_E_IO: ENOENT, EACCES, ENOSPC, EPIPE where a pipe's reader is gone, ...);
 * 0 for every other failure. Lets a caller act on the cause without reading the text. */
int soso_last_os_error(void);

/* Length value meaning "the text is NUL-terminated". */
#define SOSO_NUL_TERMINATED ((size_t)-1)

/* ---- Progress ----------------------------------------------------------------------- */

/* Passed to a progress callback during long work. Fields that do not apply are 0. */
typedef struct soso_progress {
    uint32_t epoch;        /* epochs completed so far (0-based index of the running one) */
    uint32_t epochs;       /* epochs in this run                                         */
    uint64_t docs_done;    /* documents processed in this run                            */
    uint64_t docs_total;   /* documents this run will process                            */
    double seconds;        /* wall time since the run started                            */
    int threads_used;      /* threads that took part in the last parallel step           */
    double effective_units; /* exp(entropy of the units' win shares) in the running epoch:
                             * near the number of units when all share the documents,
                             * near 1 when one unit takes everything                  */
    double temperature;    /* the soft gate's current temperature (0 for other learners) */
} soso_progress;

/* Called between mini-batches from the calling thread, at the learners' stop points
 * (every 256 mini-batches and at each epoch's or segment's end). Return 0 to go on,
 * non-zero to stop: the function then returns SOSO_E_ABORTED with the model as of the
 * last finished mini-batch, from which training resumes exactly. Keep it cheap. */
typedef int (*soso_progress_fn)(const soso_progress *progress, void *user);

/* ---- Text: tokenizer ---------------------------------------------------------------- */

/* How text becomes words. The tokenizer:
 * - decodes UTF-8; an invalid or overlong byte sequence acts as a separator (counted);
 * - forms words from runs of letters: ASCII A-Z and a-z, and the letters of Latin-1,
 *   Latin Extended-A/B, Latin Extended Additional, Greek and Cyrillic; digits,
 *   punctuation, symbols and every other script are separators;
 * - lowercases those letters (ASCII, Latin-1, Latin Extended-A, Greek, Cyrillic);
 * - keeps words of min_word_len..max_word_len code points (longer runs are dropped);
 * - drops the built-in English stop words (318 words, scikit-learn's list) when
 *   stop_words is set; a user list can be added when building a vocabulary. */
typedef struct soso_text_options {
    uint32_t min_word_len;  /* default 2                                                */
    uint32_t max_word_len;  /* default 40, at most 255                                  */
    int stop_words;         /* default 1: drop the built-in English stop words          */
    uint32_t min_df;        /* vocabulary: keep words in >= min_df documents (default 2) */
    uint32_t max_vocab;     /* vocabulary: keep at most this many words, by document
                             * frequency (ties: alphabetical); 0 = no limit (default)   */
    uint32_t max_distinct;  /* vocabulary builder: SOSO_E_LIMIT once more distinct words
                             * than this are seen (bounds memory on hostile input);
                             * default 10,000,000; 0 = no limit. Not saved in models.   */
} soso_text_options;

void soso_text_options_default(soso_text_options *options);

/* Called for each word: `word` is the lowercased UTF-8 word, `len` bytes, not
 * NUL-terminated. Return 0 to go on, non-zero to stop tokenizing. */
typedef int (*soso_word_fn)(const char *word, size_t len, void *user);

/* Tokenizes text (len bytes, or SOSO_NUL_TERMINATED) and calls `fn` per word, in order.
 * Stop words are dropped when options->stop_words is set. If invalid_bytes is not NULL it
 * receives the number of bytes that were not valid UTF-8. */
soso_status soso_tokenize(const char *text, size_t len, const soso_text_options *options,
                          soso_word_fn fn, void *user, size_t *invalid_bytes);

/* ---- Corpus: documents as text --------------------------------------------------- */

/* A corpus is a list of documents, one per line of a UTF-8 text file. When a line
 * contains a TAB, the text before the first TAB is the document's label (used only for
 * evaluation) and the rest is the document. A final "\r" is removed; an empty line is an
 * empty document, so document i is always line i + 1. */
typedef struct soso_corpus soso_corpus;

/* Bounds on an untrusted corpus, so that a hostile or broken file is refused with a
 * clear error (SOSO_E_LIMIT, naming the line) instead of exhausting memory later. */
typedef struct soso_corpus_limits {
    size_t max_line_bytes; /* longest line, label included; default 1 MiB; 0 = no limit */
    size_t max_documents;  /* most lines; default 1,000,000,000; 0 = no limit            */
} soso_corpus_limits;

void soso_corpus_limits_default(soso_corpus_limits *limits);

/* Reads a whole corpus file; path "-" reads standard input. SOSO_E_IO if it cannot be
 * read, SOSO_E_LIMIT beyond the default limits. An empty file gives a corpus of 0
 * documents (not an error here). */
soso_status soso_corpus_read_file(const char *path, soso_corpus **out);

/* Same from a buffer of len bytes (copied). */
soso_status soso_corpus_from_buffer(const char *data, size_t len, soso_corpus **out);

/* The two above with explicit limits (NULL = the defaults). */
soso_status soso_corpus_read_file_limited(const char *path, const soso_corpus_limits *limits, soso_corpus **out);
soso_status soso_corpus_from_buffer_limited(const char *data, size_t len, const soso_corpus_limits *limits,
                                            soso_corpus **out);

void soso_corpus_free(soso_corpus *corpus);

size_t soso_corpus_size(const soso_corpus *corpus);

/* The text of document i (NUL-terminated, without label); *len gets its length if len
 * is not NULL. NULL if i is out of range. Valid while the corpus lives. */
const char *soso_corpus_text(const soso_corpus *corpus, size_t i, size_t *len);

/* The label of document i, or NULL when its line had no TAB or i is out of range. */
const char *soso_corpus_label(const soso_corpus *corpus, size_t i, size_t *len);

/* Number of lines with invalid UTF-8; *first_line (1-based) gets the first of them, 0 if
 * none. first_line may be NULL. */
size_t soso_corpus_invalid_utf8_lines(const soso_corpus *corpus, size_t *first_line);

/* ---- Streaming a corpus file ------------------------------------------------------- */

/* A corpus file read in pieces, so that building a vocabulary and training need memory
 * for the model and one piece, not for the corpus (see soso_vocab_build_stream and
 * soso_model_train_stream). Opening scans the file once: it applies the limits to every
 * line (as soso_corpus_read_file_limited does), counts lines and lines of invalid UTF-8,
 * and notes where each block of block_lines lines starts (8 bytes a block: 13 KiB for
 * 82,115 lines in blocks of 50). Blocks are then fetched by number. The file is read
 * again and seeked, so it must be a regular file, not a pipe or standard input, and must
 * not change while streamed (a change of size is reported as SOSO_E_IO). One stream is
 * used by one thread at a time. */
typedef struct soso_stream soso_stream;

/* limits may be NULL for the defaults; block_lines >= 1. */
soso_status soso_stream_open(const char *path, const soso_corpus_limits *limits, size_t block_lines,
                             soso_stream **out);
void soso_stream_free(soso_stream *stream);

uint64_t soso_stream_documents(const soso_stream *stream); /* lines of the file        */
size_t soso_stream_blocks(const soso_stream *stream);      /* ceil(lines / block_lines) */
/* Lines in a block: block_lines, fewer in the last block; 0 past the end. */
size_t soso_stream_block_size(const soso_stream *stream, size_t block);
/* As soso_corpus_invalid_utf8_lines, over the whole file (first_line is 1-based). */
uint64_t soso_stream_invalid_utf8_lines(const soso_stream *stream, uint64_t *first_line);

/* The order in which an epoch visits the blocks: a permutation of [0, n), n = the number
 * of blocks, drawn from seed and epoch, so that a piece mixes documents from all over the
 * file and a file sorted by topic still trains as a shuffled one would. */
soso_status soso_stream_order(const soso_stream *stream, uint64_t seed, uint32_t epoch, uint32_t *order, size_t n);

/* The n given blocks, in the given order, as one corpus. */
soso_status soso_stream_read(soso_stream *stream, const uint32_t *blocks, size_t n, soso_corpus **out);

/* A sample to start a model from (LSA, documents), spread evenly over the file however it
 * is sorted: k = min(max_docs, lines) lines, one drawn from seed in each of k equal runs
 * of lines, in file order. Reads at most k blocks. max_docs >= 1. */
soso_status soso_stream_sample(soso_stream *stream, uint64_t seed, size_t max_docs, soso_corpus **out);

/* ---- Vocabulary ---------------------------------------------------------------------- */

/* The words a model knows, in a fixed order (column order of every matrix), each with
 * its document frequency in the corpus that built it. Immutable once built. */
typedef struct soso_vocab soso_vocab;

/* Builds a vocabulary incrementally: feed documents one at a time, then finish. The
 * builder's memory grows with the number of distinct words, not with the corpus. */
typedef struct soso_vocab_builder soso_vocab_builder;

soso_status soso_vocab_builder_create(const soso_text_options *options, soso_vocab_builder **out);

/* Adds a user stop word (lowercased by the tokenizer's rules). Must come before any
 * document is added. */
soso_status soso_vocab_builder_add_stop_word(soso_vocab_builder *builder, const char *word, size_t len);

/* Counts one document (each distinct word once). SOSO_E_LIMIT past options->max_distinct
 * distinct words; after any error, free the builder. */
soso_status soso_vocab_builder_add(soso_vocab_builder *builder, const char *text, size_t len);

/* Applies min_df and max_vocab and makes the vocabulary. SOSO_E_EMPTY if no word is
 * left. The builder may be freed afterwards (it is not reusable). Words are ordered by
 * byte order (alphabetical for ASCII). */
soso_status soso_vocab_builder_finish(soso_vocab_builder *builder, soso_vocab **out);

void soso_vocab_builder_free(soso_vocab_builder *builder);

/* Convenience: builds from every document of a corpus, with `n_stop` user stop words. */
soso_status soso_vocab_build_corpus(const soso_corpus *corpus, const soso_text_options *options,
                                    const char *const *stop_words, size_t n_stop, soso_vocab **out);

/* The same vocabulary as soso_vocab_build_corpus on the whole file, read piece_blocks
 * blocks at a time: memory grows with the distinct words, not with the corpus. */
soso_status soso_vocab_build_stream(soso_stream *stream, const soso_text_options *options,
                                    const char *const *stop_words, size_t n_stop, size_t piece_blocks,
                                    soso_vocab **out);

void soso_vocab_free(soso_vocab *vocab);

size_t soso_vocab_size(const soso_vocab *vocab);

/* Word i (NUL-terminated), or NULL if out of range. */
const char *soso_vocab_word(const soso_vocab *vocab, size_t i);

/* Documents containing word i (0 if out of range), and documents counted in all. */
uint64_t soso_vocab_df(const soso_vocab *vocab, size_t i);
uint64_t soso_vocab_n_docs(const soso_vocab *vocab);

/* Index of a word (exact bytes, already lowercased), or -1 when absent. */
int64_t soso_vocab_find(const soso_vocab *vocab, const char *word, size_t len);

/* Vocabulary files: the container of models with magic "SOSOVOCB" (tokenizer options and
 * words with their document frequencies), saved atomically, loaded with full checks. */
#define SOSO_VOCAB_FORMAT_VERSION 1
soso_status soso_vocab_save(const soso_vocab *vocab, const char *path);
soso_status soso_vocab_load(const char *path, soso_vocab **out);
soso_status soso_vocab_save_buffer(const soso_vocab *vocab, void **data, size_t *len);
soso_status soso_vocab_load_buffer(const void *data, size_t len, soso_vocab **out);

/* The tokenizer options the vocabulary was built with. */
soso_status soso_vocab_text_options(const soso_vocab *vocab, soso_text_options *out);

/* ---- Documents: a sparse matrix (CSR) --------------------------------------------- */

/* How a document's words become a vector. */
typedef enum soso_weighting {
    SOSO_WEIGHT_BINARY = 0, /* 1 for each distinct word (default)                 */
    SOSO_WEIGHT_COUNTS = 1  /* number of occurrences                              */
} soso_weighting;

typedef struct soso_input_options {
    soso_weighting weighting; /* default SOSO_WEIGHT_BINARY                              */
    int idf;                  /* default 0; 1 multiplies by idf = ln((1+N)/(1+df)) + 1    */
    int normalize;            /* default 1: scale each document to unit L2 norm          */
} soso_input_options;

void soso_input_options_default(soso_input_options *options);

/* Documents as rows of a sparse matrix over a vocabulary: CSR with sorted, distinct
 * column indices in each row and float32 values. Memory follows the number of words. */
typedef struct soso_docs soso_docs;

/* An empty matrix with `cols` columns, to be filled with soso_docs_append_*. */
soso_status soso_docs_create(size_t cols, soso_docs **out);

/* Appends one row from parallel arrays of nnz column indices and values, in any order.
 * Indices must be < cols and distinct, values finite. A row whose values are so large
 * that its scores pass a float's range (near 3.4e38) is refused where it is scored:
 * encoding, ranking, profiles, health, evaluation and reconstruction error give
 * SOSO_E_NUMERIC naming the lowest such row, for any thread count. */
soso_status soso_docs_append_row(soso_docs *docs, size_t nnz, const uint32_t *indices, const float *values);

/* Appends one document: tokenizes text with the vocabulary's options, keeps known words
 * and applies `input`. *unknown (may be NULL) gets the number of words not in the
 * vocabulary. An empty result is a valid empty row. */
soso_status soso_docs_append_text(soso_docs *docs, const soso_vocab *vocab, const soso_input_options *input,
                                  const char *text, size_t len, size_t *unknown);

/* All documents of a corpus, in order. */
soso_status soso_docs_from_corpus(const soso_corpus *corpus, const soso_vocab *vocab,
                                  const soso_input_options *input, soso_docs **out);

/* Copies a CSR matrix: indptr has rows + 1 entries, indices and values indptr[rows]. */
soso_status soso_docs_from_csr(size_t rows, size_t cols, const size_t *indptr, const uint32_t *indices,
                               const float *values, soso_docs **out);

void soso_docs_free(soso_docs *docs);

size_t soso_docs_rows(const soso_docs *docs);
size_t soso_docs_cols(const soso_docs *docs);
size_t soso_docs_nnz(const soso_docs *docs);

/* Borrowed view of row i: its nnz, column indices and values (valid until the matrix
 * changes). SOSO_E_ARG if i is out of range. */
soso_status soso_docs_row(const soso_docs *docs, size_t i, size_t *nnz, const uint32_t **indices,
                          const float **values);

/* Scales every non-empty row to unit L2 norm. */
soso_status soso_docs_normalize(soso_docs *docs);

/* Co-occurrence expansion for training on short texts: a new matrix where each row also
 * holds its words' strongest co-occurring words, x'_j = x_j + gain * sum_w x_w P[w,j],
 * scaled back to the row's L2 norm. P[w,.] keeps word w's `neighbors` (1..1000) best
 * words j by s = PMI ln(1 + c_wj) among those of positive PMI = ln(c_wj N^0.75 /
 * (df_w df_j^0.75)) (c, df, N: co-occurring rows, rows with the word, rows, counted on
 * the non-zero patterns), with weights s / (their sum); ties go to the lower word. gain 0
 * copies the matrix. Short documents on one topic rarely share a word; expanded, they
 * overlap, and a codebook learned on them is still over the same words (encode the
 * plain documents). hops must be 1 or 2: 1 ranks by the direct counts above; 2 ranks a
 * word's neighbours by two steps instead, s2 = P^2[w,j]
 * + P[w,j] / 100 (j != w; the second term keeps a word whose neighbours have no others),
 * and keeps the `neighbors` best with weights s2 / (their sum): on a small corpus direct
 * counts are too few to rank by, and two steps average over many pairs (bench/quality/
 * STUDY.md section 8). Cost: sum of nnz^2 over rows, plus nnz * neighbors a row, plus
 * (hops 2) V * neighbors^2; the result does not depend on threads. */
soso_status soso_docs_expand(const soso_docs *docs, size_t neighbors, float gain, unsigned hops, int threads,
                             soso_docs **out);

/* ---- Learners ------------------------------------------------------------------------ */

typedef enum soso_learner {
    SOSO_LEARNER_HEBBIAN = 1, /* competing hidden units, Krotov & Hopfield 2019         */
    SOSO_LEARNER_OSC = 2,     /* orthogonal sparse coding, Schuetze et al. 2016          */
    SOSO_LEARNER_SOFT = 3     /* soft competition: softmax gate, inhibitor, annealing    */
} soso_learner;

/* Competing hidden units (ALGORITHMS.md section 1). Per mini-batch of B documents:
 * I = (sign(W)|W|^(p-1)) X; per document the top unit gets g = 1 and the rank-k unit
 * g = -delta; xx_h = sum_b g_hb I_hb; ds = g X^T - diag(xx) W; W += eps ds / max(max|ds|,
 * prec); eps = eps0 (1 - epoch / epochs). W starts from N(0, 1) and documents are
 * reshuffled every epoch, both from `seed`. The last mini-batch of an epoch may be
 * smaller than B (every document is used every epoch). k = 1 disables the anti-Hebbian
 * term (pure winner-take-all). Ties in scores go to the lower unit index. */
typedef struct soso_hebbian_params {
    uint32_t units;  /* H, number of units (default 16)                                  */
    float p;         /* Lebesgue exponent, >= 1 (default 2; 2 takes a fast path)         */
    uint32_t k;      /* rank of the unit pushed away, 1 <= k <= min(units, 64) (default 2) */
    float delta;     /* strength of the anti-Hebbian push, >= 0 (default 0.4)            */
    float eps0;      /* initial learning rate, > 0 (default 0.02)                        */
    uint32_t batch;  /* B, documents per mini-batch (default 100)                        */
    uint32_t epochs; /* passes over the corpus (default 200)                             */
    float prec;      /* floor of the update's normaliser, > 0 (default 1e-30)            */
    uint64_t seed;   /* seeds initialisation and shuffling (default 1)                   */
    int threads;     /* OpenMP threads (default 1); never changes the result            */
    uint32_t orthogonalize_every; /* symmetric orthogonalisation of W every this many
                                   * mini-batches and at the end; 0 = never (default) */
} soso_hebbian_params;

void soso_hebbian_params_default(soso_hebbian_params *params);

/* NULL if the parameters are valid for a vocabulary of vocab_size words, else a static
 * sentence saying what is wrong ("k must be between 1 and units"). */
const char *soso_hebbian_params_check(const soso_hebbian_params *params, size_t vocab_size);

/* One mini-batch update in place. W: units x cols floats (cols = soso_docs_cols(docs)).
 * The batch is the `n_rows` rows of docs listed in `rows`. eps is this step's learning
 * rate (annealing is the caller's business); params->epochs and seed are not used.
 * On return *touched (may be NULL) holds how many units changed. SOSO_E_NUMERIC
 * ("training diverged") when a score is not finite or a changed row holds a weight that
 * is not finite or beyond 1e15 (W held a NaN or an infinity, or the step blew up): W is
 * then not usable. */
soso_status soso_hebbian_step(float *W, const soso_docs *docs, const uint32_t *rows, size_t n_rows,
                              const soso_hebbian_params *params, float eps, size_t *touched);

/* How a learner's codebook starts. */
typedef enum soso_init {
    SOSO_INIT_LSA = 0,      /* the leading right singular vectors of the training documents */
    SOSO_INIT_RANDOM = 1,   /* random unit vectors (OSC: a random orthonormal basis)        */
    SOSO_INIT_DOCUMENTS = 2 /* distinct training documents drawn at random (soft only)     */
} soso_init;

/* Orthogonal Sparse Coding (ALGORITHMS.md section 2; Schuetze, Barth & Martinetz 2016).
 * U has `units` orthonormal rows (atoms). Per document x, with t counting documents over
 * all epochs: eps_t = eps_i (eps_f / eps_i)^(t / t_max); the atoms are ordered once by
 * |u . x|, largest first; then each atom in turn is Gram-Schmidt orthogonalised (twice)
 * against the atoms already processed for this document, the first `sparsity` of them
 * also take the Hebbian step u += eps_t (u . r) r on the residual r, and r -= (u . r) u.
 *
 * Default path, O(units V + sparsity^2 V) per document: the atoms after the sparsity-th
 * only receive Gram-Schmidt, which is one rank-1 rotation of all of them (in the plane
 * of the normalised old residual and its re-orthogonalised version); SOSO applies it
 * lazily and folds it into the weights with sgemm every few documents. It differs from
 * the plain loop at second order in eps |x|^2. `exact` = 1 runs the plain O(units^2 V)
 * loop instead (the reference the tests compare with).
 * A document without known words changes nothing (it still counts for t). Codes are
 * a = U x, of which the `sparsity` largest |a_j| are kept (soso_model_code_sparsity). */
typedef struct soso_osc_params {
    uint32_t units;    /* N atoms, 1 <= N <= vocabulary size (default 16)                */
    uint32_t sparsity; /* K, 1 <= K <= units (default 4)                                  */
    float eps_i;       /* initial learning rate, in (0, 1] (default 0.1)                  */
    float eps_f;       /* final learning rate, in (0, 1] (default 0.001)                  */
    uint32_t epochs;   /* passes over the corpus (default 20)                             */
    uint64_t seed;     /* seeds initialisation and shuffling (default 1)                  */
    soso_init init;    /* default SOSO_INIT_LSA                                           */
    int exact;         /* 1: the plain O(N^2 V) loop (default 0)                          */
    int threads;       /* OpenMP threads (default 1); never changes the result           */
} soso_osc_params;

void soso_osc_params_default(soso_osc_params *params);

/* NULL if valid for a vocabulary of vocab_size words, else a static reason. */
const char *soso_osc_params_check(const soso_osc_params *params, size_t vocab_size);

/* Soft competition (ALGORITHMS.md section 3). Per document x: scores s = W x, gate
 * g = softmax over the top k units of beta (s - m), beta = 1 / T; each gated unit moves
 * toward the document by Oja's rule dw_h = eta g_h (x - s_h w_h) (averaged over a
 * mini-batch). The inhibitor m is the running mean activation of each unit,
 * m <- (1 - inhibitor_rate) m + inhibitor_rate mean_batch(s), without gradient, and 0 at
 * inference: units that win everything are held back and losing units get their turn.
 * T starts at t_initial and is multiplied by gamma every anneal_every documents (0: every
 * epoch) until it reaches t_final. eta decays linearly to 0 over the epochs. Optional
 * orthogonality: a penalty step W -= eta ortho_penalty (W W^T - I) W every mini-batch,
 * and/or symmetric orthogonalisation every orthogonalize_every mini-batches. */
typedef struct soso_soft_params {
    uint32_t units;          /* H (default 16)                                            */
    uint32_t k;              /* the gate covers the top k units, 1 <= k <= units (default 4) */
    float t_initial;         /* starting temperature, > 0 (default 1)                     */
    float t_final;           /* final temperature, > 0, <= t_initial (default 0.05)       */
    float gamma;             /* annealing factor, in (0, 1] (default 0.7)                 */
    uint32_t anneal_every;   /* documents between temperature steps; 0 = each epoch (default) */
    float eta;               /* learning rate, > 0 (default 0.1)                          */
    float inhibitor_rate;    /* inhibitor's running-mean rate in [0, 1); 0 = off (default 0.01) */
    float ortho_penalty;     /* lambda >= 0 (default 0)                                   */
    uint32_t orthogonalize_every; /* 0 = never (default)                                  */
    uint32_t batch;          /* documents per mini-batch (default 100)                    */
    uint32_t epochs;         /* (default 30)                                               */
    uint64_t seed;           /* (default 1)                                                */
    soso_init init;          /* default SOSO_INIT_DOCUMENTS                                */
    int threads;             /* OpenMP threads (default 1); never changes the result      */
} soso_soft_params;

void soso_soft_params_default(soso_soft_params *params);
const char *soso_soft_params_check(const soso_soft_params *params, size_t vocab_size);

/* ---- Orthogonality (ALGORITHMS.md section 5) ------------------------------------------ */

/* Symmetric orthogonalisation W <- (W W^T)^(-1/2) W in place: the matrix with orthonormal
 * rows closest to W (Frobenius). W is rows x cols, rows <= cols. (W W^T)^(-1/2) comes
 * from the rows x rows Gram matrix in double: by a short binomial series where W W^T is
 * within about 1e-2 of I (every repeated call), by Newton-Schulz within 1/2 (up to 48
 * rows), else by LAPACK dsyevd; the two products with W run on SOSO's own AVX-512
 * kernels where the CPU has them (up to 128 rows; soso_build_info says "dense avx512"),
 * else on OpenBLAS. Where W W^T is ill-conditioned (eigenvalue ratio
 * below 0.1) the step is repeated from its result (at most 4 passes), since one pass
 * leaves the rounding of W W^T (formed in float) in the result: the rows come out
 * orthonormal to float precision, and as close to W's polar factor as float allows.
 * SOSO_E_NUMERIC (W unchanged) when the rows are linearly dependent (eigenvalue ratio
 * below 1e-10, as far as the float Gram matrix can tell: rows nearer than that may be
 * refused or made orthonormal), W holds a NaN or an infinity, or W W^T overflows. A W
 * too small for its squares in float (all entries below about 1e-19) is first scaled by
 * a power of two as a whole; rows far smaller than the largest one stay too small to
 * tell apart and are refused as dependent (soso_orthogonalize_gram_schmidt scales each
 * row). */
soso_status soso_orthogonalize_symmetric(float *W, size_t rows, size_t cols, int threads);

/* Modified Gram-Schmidt with re-orthogonalisation (two passes), in place, row by row:
 * row i becomes orthonormal to rows 0..i-1 and stays in the span of the original rows
 * 0..i. SOSO_E_NUMERIC (W unchanged) when a row is dependent on those before it. Serial.
 * Each row is first scaled by a power of two where its squares would leave float's
 * normal range (exact), so rows of any finite scale work, subnormal ones included. */
soso_status soso_orthogonalize_gram_schmidt(float *W, size_t rows, size_t cols);

/* The three below compute W W^T; SOSO_E_NUMERIC (outputs untouched) when W holds a NaN
 * or an infinity or W W^T overflows. Largest entry of |W W^T - I|. */
soso_status soso_orthogonality_error(const float *W, size_t rows, size_t cols, int threads, float *max_abs);

/* cosines (rows x rows floats): the cosine between every pair of rows (a zero row has
 * cosine 0 with the others and 1 with itself). */
soso_status soso_unit_cosines(const float *W, size_t rows, size_t cols, int threads, float *cosines);

/* Overlap of units: mean and max |cos| between distinct rows (a zero row has cos 0). */
soso_status soso_unit_overlap(const float *W, size_t rows, size_t cols, int threads, double *mean_abs_cos,
                              double *max_abs_cos);

/* ---- Model ----------------------------------------------------------------------------- */

/* A trained (or training) codebook with everything needed to use it on new text: the
 * vocabulary, the input options, the learner and its parameters, the weights and the
 * training position. */
typedef struct soso_model soso_model;

/* A new Hebbian model over a copy of `vocab`, weights drawn from N(0, 1) with
 * params->seed. Nothing is trained yet. */
soso_status soso_model_create_hebbian(const soso_vocab *vocab, const soso_input_options *input,
                                      const soso_hebbian_params *params, soso_model **out);

/* A new OSC model over a copy of `vocab`. With SOSO_INIT_LSA the atoms start as the
 * leading singular vectors of `init_docs` (randomized subspace iteration: sparse products
 * and one small LAPACK eigenproblem); init_docs may be NULL for SOSO_INIT_RANDOM. */
soso_status soso_model_create_osc(const soso_vocab *vocab, const soso_input_options *input,
                                  const soso_osc_params *params, const soso_docs *init_docs, soso_model **out);

/* A new soft-competition model; init_docs are needed for SOSO_INIT_DOCUMENTS and
 * SOSO_INIT_LSA (units start as random distinct documents, or as singular vectors). */
soso_status soso_model_create_soft(const soso_vocab *vocab, const soso_input_options *input,
                                   const soso_soft_params *params, const soso_docs *init_docs, soso_model **out);

/* Trains on docs (whose cols must equal the vocabulary size) until the model's epochs
 * are done. A model that stopped early (SOSO_E_ABORTED, or SOSO_E_NOMEM mid-training:
 * the documents trained before it count and are in the weights) resumes where it stopped,
 * on the same documents only: until its planned epochs are done the model keeps a
 * fingerprint of the documents it trained on (each row's columns, not the values, whose
 * last bits may differ between builds; model files too), and other documents, even as
 * many, are SOSO_E_ARG (after soso_model_extend, any documents start the new epochs;
 * see soso_model_training_source);
 * after a failure it owes the steps that should have followed them (an orthogonalisation,
 * soft's penalty step, osc's re-orthonormalisation or finish), which the model keeps
 * (model files too) and the next training call of any kind (this one, a segment, a stream,
 * soso_model_finish) does first, even with every epoch done, so that it ends as an
 * uninterrupted run would have. soso_model_stack refuses a model that owes them, and
 * soso_model_set_weights drops them.
 * progress may be NULL. Uses the model's params->threads threads. SOSO_E_NUMERIC
 * ("training diverged") when a hebbian or soft model's scores stop being finite or its
 * weights grow past 1e15 (a learning rate or orthogonality penalty too large for the
 * data): the
 * model's weights are then not usable; start again with a smaller one. */
soso_status soso_model_train(soso_model *model, const soso_docs *docs, soso_progress_fn progress, void *user);

/* Streaming: trains on one segment of an epoch and returns. docs are the documents
 * [first, first + rows) of an epoch of epoch_rows documents that the caller reads in
 * pieces (soso_model_train_stream does it for a file). They are shuffled within the
 * segment from the seed, the epoch and `first`; the schedules run over epoch_rows
 * documents per epoch; the model's epoch position must lie inside the segment, and a
 * model stopped inside a segment resumes only with that same segment (SOSO_E_ARG
 * otherwise; the model file keeps which one). A segment that is a whole epoch (first 0) trains
 * exactly as soso_model_train's epoch. Segments of a multiple of the batch size keep the
 * mini-batches of the schedule aligned. SOSO_E_ARG when the epochs are all done (unless
 * a failed call left steps owed: then it does them, see soso_model_train). Segments are
 * not fingerprinted (see soso_model_train): a caller that reads its own pieces checks
 * that they are the data the training started on. */
soso_status soso_model_train_segment(soso_model *model, const soso_docs *docs, uint64_t first, uint64_t epoch_rows,
                                     soso_progress_fn progress, void *user);

/* Trains the model's remaining planned epochs on a streamed corpus. Each epoch visits
 * the blocks in soso_stream_order's order (the learner's seed, the epoch), piece_blocks
 * blocks at a time; each piece becomes documents with the model's vocabulary and input
 * options and is trained as a segment (soso_model_train_segment). Memory: the model, one
 * piece and its documents, and 4 bytes a block. Progress counts the whole run. Stops and
 * resumes as soso_model_train does: a model stopped mid-piece resumes in that piece when
 * given the same file, block_lines and piece_blocks (other pieces: SOSO_E_ARG); a file
 * whose pieces no longer hold their lines is SOSO_E_IO. A training started on one file
 * resumes only on a file of the same lines' text (a fingerprint taken when the stream
 * was opened; CRLF or LF ends, a byte order mark or not; labels count): another is
 * SOSO_E_ARG. A training stopped mid-epoch resumes only the way it ran, streamed or in
 * memory (SOSO_E_ARG otherwise: the epoch's order differs); at an epoch's end it may
 * switch, and then only the number of documents is compared (a file's text and a
 * matrix's columns cannot be). With one piece holding every block, the epochs
 * are soso_model_train's epochs on the documents in block order. */
soso_status soso_model_train_stream(soso_model *model, soso_stream *stream, size_t piece_blocks,
                                    soso_progress_fn progress, void *user);

/* Online learning: plans more_epochs more epochs after a finished training, so that the
 * next soso_model_train (on new documents, any number of them) continues the model's own
 * learner, weights, optimiser and schedule state. The schedules are fractions of the
 * planned epochs, so the update goes on from where the annealing stood: with T epochs
 * done, learning rates restart near their value at T / (T + more_epochs) of the way.
 * SOSO_E_ARG when the planned training is unfinished or stopped mid-epoch. The
 * vocabulary does not grow: words outside it are ignored (count them with
 * soso_model_encode_text_ex or soso_docs_append_text). */
soso_status soso_model_extend(soso_model *model, uint32_t more_epochs);

/* Ends training at the epochs done (an early stop, e.g. when the assignment of documents
 * to units stopped changing): the plan is cut to them, so the schedule counts as finished
 * and soso_model_extend may follow, and the learner's end-of-training steps run (osc:
 * re-orthonormalisation and canonical signs; orthogonalize_every > 0: a last symmetric
 * orthogonalisation). Nothing to do when the planned epochs are done, but pay what a
 * failed training call owed (see soso_model_train). SOSO_E_ARG mid-epoch or before the
 * first epoch. */
soso_status soso_model_finish(soso_model *model);

/* Layer-wise stacking. An upper layer is a model of any learner trained on a lower
 * model's codes; soso_model_stack then composes the two into one model over the lower
 * model's words.
 *
 * soso_model_stack_input: the lower model's full codes of each document of docs (columns:
 * the lower model's vocabulary), each row scaled to unit length, as new documents over a
 * new vocabulary of one word per lower unit ("unit0", "unit1", ...; document frequency:
 * the documents whose code is not zero). Create and train the upper layer on them. Both
 * outputs are the caller's. SOSO_E_ARG for no documents or a column mismatch.
 *
 * soso_model_stack: a new model with the upper layer's learner, settings and training
 * state, the lower model's vocabulary and input options, and weights W such that its
 * codes f_p(W) x (see soso_model_encode_docs; p is the Hebbian exponent, 2 for osc and
 * soft) equal the upper layer's codes of the lower layer's full codes of x, up to the
 * positive per-document scale that soso_model_stack_input applied (argmax, top-k and
 * cosines unchanged). Exact up to float rounding. An osc upper layer on an osc lower one
 * stays orthonormal. SOSO_E_ARG when either model owes steps of a failed training call
 * (see soso_model_train), upper does not read lower's units, the upper layer is Hebbian
 * with p = 1 (sign(W) cannot be inverted), or its settings do not hold over the lower
 * model's words (e.g. osc with more units than words); SOSO_E_NUMERIC when the
 * composed weights cannot represent the two layers in float (p very close to 1). Uses the
 * upper layer's threads. Training the composed model further (soso_model_extend) trains
 * it as one layer over the words (an osc upper layer over a non-osc lower model is not
 * orthonormal over the words until osc's periodic re-orthonormalisation). */
soso_status soso_model_stack_input(const soso_model *lower, const soso_docs *docs, int threads, soso_vocab **vocab,
                                   soso_docs **codes);
soso_status soso_model_stack(const soso_model *lower, const soso_model *upper, soso_model **out);

/* Changes the thread count used by training and encoding (results do not change). */
soso_status soso_model_set_threads(soso_model *model, int threads);
/* Training times teams of `threads`, threads / 2, ..., 1 threads in turns (16
 * mini-batches each, 4 rounds; osc: groups of 32 documents for a mini-batch) and trains
 * on the fastest per word, probing again every 2,048 of them: a mini-batch is tens of microseconds of work
 * handed between threads at every phase, and whether more threads help depends on the
 * machine (a 16-core Xeon ran Hebbian epochs 0.72x on 16 threads against 1; a 2-core VM
 * ran them 0.30-0.47x on 2 threads while another process kept one core busy). Results never
 * depend on it. on = 0 trains on teams of `threads` always (to measure scaling); 1 (the
 * default) tunes. Not saved with the model. */
soso_status soso_model_set_team_tuning(soso_model *model, int on);

void soso_model_free(soso_model *model);

soso_learner soso_model_learner(const soso_model *model);
size_t soso_model_units(const soso_model *model);
size_t soso_model_vocab_size(const soso_model *model);

/* The model's vocabulary (borrowed; lives as long as the model). */
const soso_vocab *soso_model_vocab(const soso_model *model);

/* Copies of the model's settings. SOSO_E_ARG if the model is of another learner. */
soso_status soso_model_input_options(const soso_model *model, soso_input_options *out);
soso_status soso_model_hebbian_params(const soso_model *model, soso_hebbian_params *out);
soso_status soso_model_osc_params(const soso_model *model, soso_osc_params *out);
soso_status soso_model_soft_params(const soso_model *model, soso_soft_params *out);

/* The co-occurrence expansion (soso_docs_expand) the model's training documents get,
 * recorded in the model so that a resumed or continued training expands the same way;
 * neighbors 0 = none (the default; gain and hops are then ignored and read back as 0);
 * otherwise as soso_docs_expand (hops 1 or 2). The library records it; the caller expands. */
soso_status soso_model_set_expansion(soso_model *model, size_t neighbors, float gain, unsigned hops);
soso_status soso_model_expansion(const soso_model *model, size_t *neighbors, float *gain, unsigned *hops);

/* The soft gate's current temperature and inhibitor (units floats; may be NULL). */
soso_status soso_model_soft_state(const soso_model *model, float *temperature, float *inhibitor, size_t n);

/* How many codes the learner keeps per document: the OSC sparsity K (by magnitude), or
 * 0 when a learner keeps every code. */
size_t soso_model_code_sparsity(const soso_model *model);

/* Epochs completed, and documents seen in all training so far. */
uint32_t soso_model_epochs_done(const soso_model *model);
uint64_t soso_model_docs_seen(const soso_model *model);
/* What the unfinished training of the model ran on, as its fingerprint records it: 1
 * documents in memory (soso_model_train), 2 a streamed file (soso_model_train_stream), 0
 * when not known (nothing trained since the plan started or was extended, a finished
 * plan, a model file written before fingerprints). *documents (may be NULL) gets their
 * number, or 0. Lets a caller say how to resume it before trying. */
int soso_model_training_source(const soso_model *model, uint64_t *documents);

/* 1 when a streamed training (soso_model_train_stream) stopped mid-epoch inside one of
 * several pieces (or at the end of one): that piece, documents [*first, *first + *rows) of
 * its epoch, must come back to resume; else 0 (also for a stream of one piece, which
 * cannot be told from a run in memory). first and rows may be NULL. */
int soso_model_stopped_piece(const soso_model *model, uint64_t *first, uint64_t *rows);

/* Borrowed weights: units x vocab_size floats, row-major. Valid while the model lives and
 * is not being trained. */
const float *soso_model_weights(const soso_model *model);

/* Replaces the weights with n = units x vocab_size finite floats (e.g. edited or imported
 * from elsewhere). SOSO_E_NUMERIC, and no change, if any is NaN, infinite or beyond 1e15
 * in size (training keeps every weight within it: past it scores overflow), or if a
 * unit's sum of |w|^(p-1) passes FLT_MAX / 2 (Hebbian scores of large p); for an OSC
 * model SOSO_E_ARG, and no change, unless the rows are orthonormal (|W W^T - I| <= 1e-3:
 * its fast update assumes it; soso_orthogonalize_symmetric makes them so). */
soso_status soso_model_set_weights(soso_model *model, const float *weights, size_t n);

/* ---- Encoding ------------------------------------------------------------------------ */

/* Codes of every document: codes gets rows(docs) x units floats, a = (sign(W)|W|^(p-1)) x
 * (a = W x for p = 2). Cost follows the documents' words. docs must have vocab_size cols.
 * SOSO_E_NUMERIC (codes not usable) when a document's codes pass a float's range. */
soso_status soso_model_encode_docs(const soso_model *model, const soso_docs *docs, float *codes, size_t n_codes,
                                   int threads);

/* Codes of one text (prepared like the training input); codes has n_codes >= units
 * floats. *known (may be NULL) gets the number of words found in the vocabulary. */
soso_status soso_model_encode_text(const soso_model *model, const char *text, size_t len, float *codes,
                                   size_t n_codes);
soso_status soso_model_encode_text_ex(const soso_model *model, const char *text, size_t len, float *codes,
                                      size_t n_codes, size_t *known, size_t *unknown);

/* Keeps the k largest entries of a[0..n) (by value; by |value| when by_magnitude) and sets
 * the others to 0. Ties go to the lower index. k >= n keeps everything. */
soso_status soso_topk_mask(float *a, size_t n, size_t k, int by_magnitude);

/* ---- Soft competition primitives (ALGORITHMS.md section 3) ---------------------------- */

/* out = softmax(beta x), computed stably (in double, after subtracting the largest score;
 * +/-1e30 and all-equal scores are fine). -INFINITY entries (masked) get weight 0. beta is
 * the inverse temperature 1/T, finite and > 0. SOSO_E_NUMERIC (out untouched) when a score
 * is NaN or +infinity or every score is -infinity. out may be x. */
soso_status soso_softmax(const float *x, size_t n, float beta, float *out);

/* out = log softmax(beta x); -INFINITY entries stay -INFINITY. Same errors. */
soso_status soso_log_softmax(const float *x, size_t n, float beta, float *out);

/* *out = log sum_i exp(beta x_i), in double. Same errors. */
soso_status soso_logsumexp(const float *x, size_t n, float beta, double *out);

/* Sets every score but the k largest (ties: lower index) to -INFINITY, so that a softmax
 * gives them weight 0. k >= 1; k >= n keeps everything. */
soso_status soso_topk_scores(float *x, size_t n, size_t k);

/* Sets entries <= threshold to 0; returns via *kept how many stay (may be NULL). */
soso_status soso_threshold(float *a, size_t n, float threshold, size_t *kept);

/* Index of the largest entry (the lowest index among ties); -1 if n == 0 or a == NULL.
 * This is a document's cluster id when applied to its codes. */
int soso_argmax(const float *a, size_t n);

/* A unit's topic words: the n strongest positive weights (sign > 0) or the n strongest
 * negative ones (sign < 0) of row `unit`, strongest first. word_ids and weights hold n
 * entries each (weights may be NULL); *found gets how many were written (fewer when the
 * row has fewer weights of that sign). */
soso_status soso_model_topic_words(const soso_model *model, size_t unit, int sign, size_t n, uint32_t *word_ids,
                                   float *weights, size_t *found);

/* x_hat = U^T a: the words a code stands for. codes has >= units floats, x_hat receives
 * vocab_size floats. SOSO_E_NUMERIC, x_hat untouched, for a code that is not finite. */
soso_status soso_model_reconstruct(const soso_model *model, const float *codes, size_t n_codes, float *x_hat,
                                   size_t n_x);

/* Reconstruction error of a corpus: for each document, a = U x with all but the k largest
 * |a_j| set to 0 (k = 0: the model's code sparsity, or all units), x_hat = U^T a;
 * *sq_error = sum |x - x_hat|^2 and *sq_norm = sum |x|^2 (relative error = ratio). Costs
 * O(units^2 V) once plus O(units x words + k^2) per document. */
soso_status soso_model_reconstruction_error(const soso_model *model, const soso_docs *docs, size_t k, int threads,
                                            double *sq_error, double *sq_norm);

/* ---- Using concepts: ranking, recommendations, query expansion ----------------------- */

/* A document (row of a soso_docs) and its score. */
typedef struct soso_match {
    uint32_t doc;
    float score;
} soso_match;

typedef struct soso_match_params {
    uint32_t keep;           /* codes kept per vector, by magnitude, before comparing; 0 =
                              * every unit (default 0: ranks best in our measurements)   */
    const uint32_t *exclude; /* documents never returned (any order), n_exclude of them    */
    size_t n_exclude;
    int threads;             /* (default 1); never changes the result                     */
    /* Words: with word_weight w in (0, 1] the score is (1 - w) x the codes' cosine + w x the
     * cosine of the query's and the document's rows (their words, weighted as the model
     * reads them), so that documents holding the query's own words rise within a concept.
     * The query's row: ascending column ids and their values, query_nnz of them (e.g.
     * soso_docs_row of the query made by soso_docs_from_corpus). Default 0: concepts only. */
    float word_weight;
    const uint32_t *query_words;
    const float *query_values;
    size_t query_nnz;
} soso_match_params;

void soso_match_params_default(soso_match_params *params);

/* Ranks the documents by the concepts they share with `target` (units floats: a query's
 * codes from soso_model_encode_text, or a profile). Both code vectors are reduced to
 * their `keep` strongest codes and scaled to unit length; the score is their cosine, in
 * [-1, 1], mixed with the word cosine when params->word_weight > 0 (above). Documents
 * without a concept (no known word) are left out; ties go to the lower document index.
 * out receives the best `top` (*found of them). SOSO_E_EMPTY when target has no concept.
 * params may be NULL (defaults). Cost: the documents' words x units (+ the vocabulary
 * once, for the query's words). */
soso_status soso_model_rank(const soso_model *model, const soso_docs *docs, const float *target, size_t n_target,
                            const soso_match_params *params, soso_match *out, size_t top, size_t *found);

/* A reader's profile from liked documents: the mean of their reduced unit-length codes
 * (keep as above), into profile (units floats). Liked documents without a known word are
 * skipped; SOSO_E_EMPTY if none is left. Rank with the liked documents excluded to
 * recommend. */
soso_status soso_model_profile(const soso_model *model, const soso_docs *docs, const uint32_t *liked, size_t n_liked,
                               uint32_t keep, float *profile, size_t n_profile);

/* Query expansion: the words that carry the strongest concepts of `codes` (a query's
 * codes): a = codes reduced to the `keep` strongest and scaled to unit length, x_hat =
 * U^T a, and the n words of largest positive x_hat, strongest first, into word_ids and
 * weights (may be NULL); *found gets how many (at most the vocabulary's size, whatever
 * n is). SOSO_E_EMPTY when codes are all 0, SOSO_E_NUMERIC when one is not finite. */
soso_status soso_model_expand(const soso_model *model, const float *codes, size_t n_codes, uint32_t keep, size_t n,
                              uint32_t *word_ids, float *weights, size_t *found);

/* ---- Health: does the codebook work? ------------------------------------------------- */

/* Warnings of a health report, as bit flags. */
#define SOSO_HEALTH_COLLAPSE 1u     /* one unit wins more than half of the documents (>= 3 units) */
#define SOSO_HEALTH_UNIFORM_GATE 2u /* soft gate entropy above 0.9 of its maximum log k          */
#define SOSO_HEALTH_DEAD_UNITS 4u   /* some unit is the argmax of no document                     */
#define SOSO_HEALTH_DUPLICATES 8u   /* two units with |cos| > 0.9                                  */

typedef struct soso_health {
    size_t units;
    uint64_t documents;      /* documents with a known word (the others have no winner)    */
    size_t dead_units;       /* units that win no document                                  */
    double effective_units;  /* exp(entropy of the win shares), 1..units                   */
    double top_share;        /* share of the documents won by the strongest unit            */
    double gate_entropy;     /* soft models: mean entropy (nats) of the gate at inference,
                              * softmax over the top k of s / t_final; -1 otherwise         */
    double gate_entropy_max; /* log k, or -1                                                */
    double mean_abs_cos, max_abs_cos; /* overlap between distinct units                    */
    unsigned warnings;       /* SOSO_HEALTH_* flags                                         */
} soso_health;

/* The health report of a model on documents: the winner of a document is its cluster id
 * (argmax code). wins (units entries, may be NULL) receives each unit's win count. */
soso_status soso_model_health(const soso_model *model, const soso_docs *docs, int threads, uint64_t *wins,
                              soso_health *out);

/* A plain-words sentence for one SOSO_HEALTH_* flag. */
const char *soso_health_warning(unsigned flag);

/* ---- Evaluation (ALGORITHMS.md section 7) ------------------------------------------------ */

/* Label ids of a corpus: ids[i] for document i, numbered in byte order of the label names
 * (0 .. n_labels - 1), -1 for a document without a label. ids holds n >= size entries. */
soso_status soso_corpus_label_ids(const soso_corpus *corpus, int32_t *ids, size_t n, size_t *n_labels);

/* Clusterings against labels, exactly as scikit-learn 1.9 computes them (including its
 * edge cases: one class and one cluster is a perfect 1.0). Entries < 0 are left out; ids
 * index a table, so (largest label + 1) x (largest cluster + 1) may be at most 2^28
 * (SOSO_E_LIMIT beyond). */
soso_status soso_nmi(const int32_t *labels, const int32_t *clusters, size_t n, double *out); /* arithmetic */
soso_status soso_ari(const int32_t *labels, const int32_t *clusters, size_t n, double *out);
soso_status soso_purity(const int32_t *labels, const int32_t *clusters, size_t n, double *out);

typedef struct soso_eval {
    size_t units;
    size_t documents;      /* documents with a known word: they have a cluster (argmax code) */
    size_t labelled;       /* of those, documents with a label                              */
    size_t labels;         /* distinct labels among them                                     */
    double nmi, ari, purity; /* clusters against labels; NaN without labels                 */
    double npmi;           /* mean NPMI over the pairs of each unit's top words, from document
                            * co-occurrence in these documents (all rows counted)            */
    double diversity;      /* distinct words among all top lists / (top x units)            */
    double mean_abs_cos, max_abs_cos; /* overlap between units                              */
    size_t dead_units;     /* units that are the cluster of no document                     */
    double code_sparsity;  /* mean number of units with a > 0 per document (after the
                            * learner's own top-K, for OSC)                                 */
} soso_eval;

/* Evaluates a model on documents. labels: one id per row (-1: none), or NULL; top_words:
 * words per unit for coherence and diversity (0: 10). */
soso_status soso_model_eval(const soso_model *model, const soso_docs *docs, const int32_t *labels, size_t top_words,
                            int threads, soso_eval *out);

/* ---- Map: exact t-SNE ----------------------------------------------------------------- */

typedef struct soso_tsne_params {
    float perplexity;    /* >= 1 and below the number of points (default 30)        */
    uint32_t iterations; /* (default 1000; the first 250 with early exaggeration 12)  */
    float learning_rate; /* 0: max(n / 12, 50) (default); finite and >= 0             */
    uint64_t seed;       /* (default 1)                                               */
    int threads;         /* never changes the result                                  */
    soso_progress_fn progress; /* NULL (default), or called every 10 iterations and at
                                * the end with epoch = iterations done and epochs =
                                * iterations; a non-zero return stops: SOSO_E_ABORTED,
                                * Y untouched */
    void *user;          /* passed to progress                                        */
} soso_tsne_params;

void soso_tsne_params_default(soso_tsne_params *params);

/* 2-D t-SNE of n points of dim floats (row-major) into Y (n x 2 floats). Exact, O(n^2)
 * memory and time per iteration: at most 5,000 points (SOSO_E_LIMIT beyond). */
soso_status soso_tsne(const float *X, size_t n, size_t dim, const soso_tsne_params *params, float *Y);

/* ---- Associative memory (modern Hopfield retrieval, ALGORITHMS.md section 6) -------- */

/* N stored documents as binary patterns over a vocabulary, with their labels and texts.
 * A query q (a set of words) is completed by p = softmax(beta X q), q' = X^T p, repeated
 * while max |q' - q| > tolerance for at most `steps` steps; the completed pattern is
 * { j : q'_j >= threshold }. The first step is exact and costs only the postings of the
 * query's words and the words of the memories they reach: memories sharing no word with
 * the query all score 0 and share one weight. Later steps work on a real-valued state and
 * cost the memory's size. A query with no known word gives every memory the weight 1/N
 * (so it completes only words found in at least threshold x N memories). */
typedef struct soso_memory soso_memory;

soso_status soso_memory_create(const soso_vocab *vocab, soso_memory **out);
void soso_memory_free(soso_memory *memory);

/* Adds every document of a corpus with at least one vocabulary word (the others are
 * counted in *skipped); labels and texts are kept for display. added, skipped may be NULL. */
soso_status soso_memory_add_corpus(soso_memory *memory, const soso_corpus *corpus, size_t *added, size_t *skipped);

size_t soso_memory_size(const soso_memory *memory);
const soso_vocab *soso_memory_vocab(const soso_memory *memory);
/* Borrowed view of memory i's word ids (ascending). */
soso_status soso_memory_pattern(const soso_memory *memory, size_t i, const uint32_t **words, size_t *n);
/* Memory i's label and text, or NULL (no label / out of range). */
const char *soso_memory_label(const soso_memory *memory, size_t i);
const char *soso_memory_text(const soso_memory *memory, size_t i);

/* A text's known words as query word ids (ascending, distinct), into words (cap
 * entries; SOSO_E_LIMIT if more); *unknown (may be NULL) gets the unknown words. */
soso_status soso_memory_query_words(const soso_memory *memory, const char *text, size_t len, uint32_t *words,
                                    size_t cap, size_t *n, size_t *unknown);

typedef struct soso_recall_params {
    float beta;       /* inverse temperature, > 0 (default 10)                            */
    uint32_t steps;   /* at most this many update steps, >= 1 (default 1)                 */
    float tolerance;  /* stop when max |q' - q| <= tolerance (default 1e-4)               */
    float threshold;  /* completed words: q'_j >= threshold (default 0.5)                 */
    int prior;        /* 1: weigh only memories that contain every query word, each by
                       * 1 / C(n_i, |q|), the chance that masking kept exactly those words
                       * (a first-step readout; without such memories: the plain update)  */
    int energy;       /* 1: also compute the energy of the final state (costs O(memory)) */
} soso_recall_params;

void soso_recall_params_default(soso_recall_params *params);

/* Caller-owned result buffers: set the pointers and capacities, the call fills counts. */
typedef struct soso_recall_result {
    uint32_t *words;         /* completed pattern, word ids ascending; n_words is
                              * its size: where above a words_cap > 0, the call
                              * gives SOSO_E_LIMIT (cap 0: only counted)           */
    size_t words_cap, n_words;
    uint32_t *memories;      /* the most weighted memories, strongest first        */
    float *weights;          /* their weights p_i                                  */
    size_t memories_cap, n_memories;
    uint64_t zero_memories;  /* one-step recall: memories sharing no word ...      */
    float zero_weight;       /* ... each with this weight                          */
    uint32_t steps;          /* update steps done                                   */
    double energy;           /* E = -logsumexp(beta X q)/beta + |q|^2/2 at the final
                              * state, or NaN unless params->energy                 */
} soso_recall_result;

/* Completes a query (word ids ascending and distinct). Thread-safe on a const memory. */
soso_status soso_memory_recall(const soso_memory *memory, const uint32_t *query, size_t n_query,
                               const soso_recall_params *params, soso_recall_result *result);

/* The seed's experiment: mask a fraction of each queried memory's words (keeping
 * max(1, round((1 - mask) n)) of its n words, chosen at random), recall, and score. */
typedef struct soso_memory_eval_params {
    float mask;        /* fraction masked, in [0, 1) (default 0.6)                          */
    size_t queries;    /* memories queried, drawn at random; 0 = every memory (default 1000) */
    uint64_t seed;     /* chooses the memories and the words kept (default 1)               */
    int threads;       /* (default 1); never changes the result                             */
} soso_memory_eval_params;

void soso_memory_eval_params_default(soso_memory_eval_params *params);

typedef struct soso_memory_eval_result {
    size_t queries;
    double exact;        /* share of completed patterns equal to the memory                 */
    double mean_hamming; /* mean size of the symmetric difference                           */
    double top1;         /* share where the most weighted memory has the memory's pattern   */
    double bound;        /* the best possible guess: mean posterior of the most probable
                          * pattern among those consistent with the query (they contain it
                          * and masking would keep its size), weights multiplicity / C(n, k);
                          * identical word sets count as one pattern                       */
    double uniform;      /* mean 1 / (consistent patterns)                                  */
    double consistent;   /* mean number of consistent patterns per query                     */
    double seconds;      /* wall time of the recalls                                        */
} soso_memory_eval_result;

/* The experiment's queries, for running them elsewhere: memories[q] is query q's memory,
 * its kept words (ascending) are words[indptr[q] .. indptr[q + 1]). The three arrays are
 * malloc'ed; free them with soso_free. */
soso_status soso_memory_masked_queries(const soso_memory *memory, const soso_memory_eval_params *params,
                                       size_t *n_queries, uint32_t **memories, size_t **indptr, uint32_t **words);

/* Runs the experiment once per element of recall (n of them), on the same queries. */
soso_status soso_memory_eval(const soso_memory *memory, const soso_memory_eval_params *params,
                             const soso_recall_params *recall, size_t n, soso_memory_eval_result *out);

/* Memory files: the container of models with magic "SOSOMEMO" (docs/FORMAT.md). */
#define SOSO_MEMORY_FORMAT_VERSION 1
soso_status soso_memory_save(const soso_memory *memory, const char *path);
soso_status soso_memory_load(const char *path, soso_memory **out);
soso_status soso_memory_save_buffer(const soso_memory *memory, void **data, size_t *len);
soso_status soso_memory_load_buffer(const void *data, size_t len, soso_memory **out);

/* ---- Model files ----------------------------------------------------------------------- */

/* File format (all integers and floats little-endian; see docs/FORMAT.md):
 *   "SOSOMODL" magic, u32 format version, u32 section count,
 *   sections: 4-byte tag, u64 payload size, payload,
 *   u32 CRC-32 (IEEE) of every byte before it.
 * Saving writes a temporary file in the same directory and renames it over `path`, so a
 * failure never leaves a partial file nor harms an existing one (as soso_file_write: a
 * replaced file keeps its permissions, a symbolic link is followed, a pipe or device is
 * written in place). Loading rejects a foreign
 * file (SOSO_E_FORMAT), a truncated or corrupted one (SOSO_E_FORMAT, checksum or sizes), and
 * a newer format version (SOSO_E_VERSION), each with a clear soso_last_error(). */
#define SOSO_MODEL_FORMAT_VERSION 1

soso_status soso_model_save(const soso_model *model, const char *path);
soso_status soso_model_load(const char *path, soso_model **out);

/* The same in memory: save gives a malloc'ed buffer the caller frees with soso_free. */
soso_status soso_model_save_buffer(const soso_model *model, void **data, size_t *len);
soso_status soso_model_load_buffer(const void *data, size_t len, soso_model **out);

/* Writes a whole file as the library's saves do: a temporary file in the same directory,
 * synced and renamed over `path`, so a failure leaves no partial file and the old one
 * whole. A file replaced keeps its permissions (a new one gets 0666 less the umask); a
 * symbolic link is followed (its target replaced, the link kept; one to nothing is
 * refused); a file with other hard links is replaced under this name only (the others
 * keep the old content, as the rename must); a pipe or device (not a regular file) is
 * written in place, which waits for a FIFO's reader (a pipe whose reader is gone gives
 * SOSO_E_IO "Broken pipe", never SIGPIPE); "-" is standard output. SOSO_E_IO with the
 * reason (a directory, a missing directory, no permission, a full disk). */
soso_status soso_file_write(const char *path, const void *data, size_t len);

/* Frees memory handed out by the library (soso_model_save_buffer). */
void soso_free(void *ptr);

#ifdef __cplusplus
}
#endif

#endif /* SOSO_H */
