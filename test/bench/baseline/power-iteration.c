/*
 * The baseline for `npm run bench -- reputation`: a plain sparse power iteration over one CSR graph per topic,
 *   t <- (1-a) * C^T t + ((1-a) * leak . t + a) * p      until ||t' - t||_1 < eps,
 * the EigenTrust step with dangling mass returned to pre-trust. The bench writes each topic's graph as a binary file
 * and compiles this with `gcc -O2`; only the iteration is timed.
 *
 * File layout (little-endian): int32 n, int32 m, int32 max_iterations, float64 alpha, float64 epsilon,
 *   int32 row_start[n+1], int32 ratee[m], float64 weight[m], float64 leak[n], float64 pre_trust[n].
 * Usage: power-iteration <reps> <graph> <vector-out> [<graph> <vector-out>]...
 * Prints one line per graph: "<iterations> <residual> <best seconds over reps>".
 */
#define _POSIX_C_SOURCE 199309L
#include <math.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

static void *read_exact (FILE *f, size_t bytes) {
  void *p = malloc(bytes > 0 ? bytes : 1);
  if (p == NULL || fread(p, 1, bytes, f) != bytes) { fprintf(stderr, "short read\n"); exit(2); }
  return p;
}

static double now (void) {
  struct timespec ts;
  clock_gettime(CLOCK_MONOTONIC, &ts);
  return (double)ts.tv_sec + (double)ts.tv_nsec * 1e-9;
}

int main (int argc, char **argv) {
  if (argc < 4 || (argc - 2) % 2 != 0) { fprintf(stderr, "usage: %s <reps> <graph> <vector-out>...\n", argv[0]); return 2; }
  int reps = atoi(argv[1]);
  for (int g = 2; g + 1 < argc; g += 2) {
    FILE *f = fopen(argv[g], "rb");
    if (f == NULL) { perror(argv[g]); return 2; }
    int32_t header[3];
    double params[2];
    if (fread(header, sizeof header, 1, f) != 1 || fread(params, sizeof params, 1, f) != 1) { fprintf(stderr, "bad header\n"); return 2; }
    int32_t n = header[0], m = header[1], max_iterations = header[2];
    double alpha = params[0], epsilon = params[1], keep = 1 - alpha;
    int32_t *row_start = read_exact(f, sizeof(int32_t) * (size_t)(n + 1));
    int32_t *ratee = read_exact(f, sizeof(int32_t) * (size_t)m);
    double *weight = read_exact(f, sizeof(double) * (size_t)m);
    double *leak = read_exact(f, sizeof(double) * (size_t)n);
    double *p = read_exact(f, sizeof(double) * (size_t)n);
    fclose(f);
    double *a = malloc(sizeof(double) * (size_t)n), *b = malloc(sizeof(double) * (size_t)n);
    double best = INFINITY, residual = INFINITY, *result = a;
    int iterations = 0;
    for (int r = 0; r < reps; r++) {
      memcpy(a, p, sizeof(double) * (size_t)n);
      double *t = a, *u = b;
      double start = now();
      iterations = 0;
      residual = INFINITY;
      while (iterations < max_iterations) {
        memset(u, 0, sizeof(double) * (size_t)n);
        double leaked = 0;
        for (int32_t i = 0; i < n; i++) {
          double ti = t[i];
          if (ti == 0) continue;
          leaked += ti * leak[i];
          for (int32_t e = row_start[i]; e < row_start[i + 1]; e++) u[ratee[e]] += weight[e] * ti;
        }
        double fallback = keep * leaked + alpha, diff = 0;
        for (int32_t j = 0; j < n; j++) {
          double v = keep * u[j] + fallback * p[j];
          diff += fabs(v - t[j]);
          u[j] = v;
        }
        double *swap = t; t = u; u = swap;
        iterations++;
        residual = diff;
        if (diff < epsilon) break;
      }
      double elapsed = now() - start;
      if (elapsed < best) best = elapsed;
      result = t;
    }
    FILE *out = fopen(argv[g + 1], "wb");
    if (out == NULL || fwrite(result, sizeof(double), (size_t)n, out) != (size_t)n) { perror(argv[g + 1]); return 2; }
    fclose(out);
    printf("%d %.17g %.9f\n", iterations, residual, best);
    free(row_start); free(ratee); free(weight); free(leak); free(p); free(a); free(b);
  }
  return 0;
}
