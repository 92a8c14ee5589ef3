/* ugc_graphql: a GraphQL tokeniser just deep enough to list a document's
 * operation definitions and their types; see ugc_graphql.h.
 *
 * The lexical grammar is the spec's (ignored tokens, punctuators, names,
 * numbers, strings and block strings). Above it nothing is parsed: a
 * definition is its leading keyword, the operation's name, then tokens up to
 * the first `{` outside parentheses and brackets, which opens the selection
 * set, and on to the `}` that closes it, found by counting. In a document the
 * server accepts, brackets nest, so the counts find the same ends a parser
 * would; a document where they do not nest is refused by the server and runs
 * nothing. Counters, not a stack: no depth limit, no recursion. */
#include "ugc_graphql.h"

#include <string.h>

typedef enum { TOK_END, TOK_ERROR, TOK_NAME, TOK_STRING, TOK_NUMBER, TOK_PUNCT } ugc_gql_kind;

typedef struct {
  const unsigned char *s;
  size_t n, i; /* the document and the next byte to read */
} ugc_gql_lexer;

typedef struct {
  ugc_gql_kind kind;
  int punct;         /* TOK_PUNCT: the character, '.' for "..." */
  size_t start, len; /* the token's bytes in the document */
} ugc_gql_token;

/* What a definition's leading name makes it. */
#define DEF_FRAGMENT (-1)
#define DEF_OTHER (-2) /* a type system definition, or not a keyword at all */

static int is_name_start(int c) { return c == '_' || (c >= 'A' && c <= 'Z') || (c >= 'a' && c <= 'z'); }

static int is_digit(int c) { return c >= '0' && c <= '9'; }

static int is_name_char(int c) { return is_name_start(c) || is_digit(c); }

static int is_hex(int c) { return is_digit(c) || (c >= 'A' && c <= 'F') || (c >= 'a' && c <= 'f'); }

/* A byte allowed nowhere: the C0 controls but tab, LF and CR (NUL among them). */
static int is_control(int c) { return c < 0x20 && c != '\t' && c != '\n' && c != '\r'; }

/* The byte k places ahead, or -1 past the end. */
static int peek(const ugc_gql_lexer *lx, size_t k) {
  return lx->i < lx->n && k < lx->n - lx->i ? lx->s[lx->i + k] : -1;
}

/* Skips ignored tokens: spaces, tabs, line terminators, commas, byte order
 * marks and comments. 0, or -1 on a control character inside a comment. */
static int skip_ignored(ugc_gql_lexer *lx) {
  while (lx->i < lx->n) {
    int c = lx->s[lx->i];
    if (c == ' ' || c == '\t' || c == '\n' || c == '\r' || c == ',') {
      lx->i++;
    } else if (c == 0xEF && peek(lx, 1) == 0xBB && peek(lx, 2) == 0xBF) { /* U+FEFF */
      lx->i += 3;
    } else if (c == '#') { /* to the end of the line; the terminator is ignored next */
      for (lx->i++; lx->i < lx->n && lx->s[lx->i] != '\n' && lx->s[lx->i] != '\r'; lx->i++)
        if (is_control(lx->s[lx->i])) return -1;
    } else {
      break;
    }
  }
  return 0;
}

static void skip_digits(ugc_gql_lexer *lx) {
  while (is_digit(peek(lx, 0))) lx->i++;
}

/* IntValue or FloatValue at lx->i: -?(0|[1-9][0-9]*)(\.[0-9]+)?([eE][+-]?[0-9]+)?
 * not followed by a digit, a '.' or a name start. 0, or -1. */
static int lex_number(ugc_gql_lexer *lx) {
  int c;
  if (peek(lx, 0) == '-') lx->i++;
  c = peek(lx, 0);
  if (c == '0') {
    lx->i++;
    if (is_digit(peek(lx, 0))) return -1; /* no leading zeros */
  } else if (is_digit(c)) {
    skip_digits(lx);
  } else {
    return -1;
  }
  if (peek(lx, 0) == '.') {
    lx->i++;
    if (!is_digit(peek(lx, 0))) return -1;
    skip_digits(lx);
  }
  c = peek(lx, 0);
  if (c == 'e' || c == 'E') {
    lx->i++;
    c = peek(lx, 0);
    if (c == '+' || c == '-') lx->i++;
    if (!is_digit(peek(lx, 0))) return -1;
    skip_digits(lx);
  }
  c = peek(lx, 0);
  return c == '.' || is_name_start(c) ? -1 : 0;
}

/* A block string at lx->i (on its opening """): raw up to the next """ that
 * is not the escape \""". 0, or -1 when unterminated. */
static int lex_block_string(ugc_gql_lexer *lx) {
  lx->i += 3;
  while (lx->i < lx->n) {
    int c = lx->s[lx->i];
    if (c == '"' && peek(lx, 1) == '"' && peek(lx, 2) == '"') {
      lx->i += 3;
      return 0;
    }
    if (c == '\\' && peek(lx, 1) == '"' && peek(lx, 2) == '"' && peek(lx, 3) == '"') {
      lx->i += 4;
      continue;
    }
    if (is_control(c)) return -1;
    lx->i++;
  }
  return -1;
}

/* A string at lx->i (on its opening quote), block strings included. Escapes:
 * \" \\ \/ \b \f \n \r \t \uXXXX \u{X...}. 0, or -1 when unterminated (a
 * line ends it) or on a bad escape. */
static int lex_string(ugc_gql_lexer *lx) {
  if (peek(lx, 1) == '"' && peek(lx, 2) == '"') return lex_block_string(lx);
  lx->i++;
  while (lx->i < lx->n) {
    int c = lx->s[lx->i];
    if (c == '"') {
      lx->i++;
      return 0;
    }
    if (c == '\n' || c == '\r' || is_control(c)) return -1;
    if (c != '\\') {
      lx->i++;
      continue;
    }
    c = peek(lx, 1);
    if (c < 0) return -1; /* a backslash as the last byte */
    lx->i += 2;
    switch (c) {
    case '"': case '\\': case '/': case 'b': case 'f': case 'n': case 'r': case 't': break;
    case 'u':
      if (peek(lx, 0) == '{') { /* \u{1F600} */
        size_t digits = 0;
        for (lx->i++; is_hex(peek(lx, 0)); lx->i++) digits++;
        if (digits == 0 || peek(lx, 0) != '}') return -1;
        lx->i++;
      } else { /* \u00e9 */
        int k;
        for (k = 0; k < 4; k++, lx->i++)
          if (!is_hex(peek(lx, 0))) return -1;
      }
      break;
    default: return -1;
    }
  }
  return -1;
}

/* The next token into *t: TOK_END at the end, TOK_ERROR on a lexical error. */
static void lex_next(ugc_gql_lexer *lx, ugc_gql_token *t) {
  int c, rc = 0;
  t->kind = TOK_ERROR;
  t->punct = 0;
  t->start = lx->i;
  t->len = 0;
  if (skip_ignored(lx) != 0) return;
  t->start = lx->i;
  if (lx->i == lx->n) {
    t->kind = TOK_END;
    return;
  }
  c = lx->s[lx->i];
  if (is_name_start(c)) {
    while (is_name_char(peek(lx, 0))) lx->i++;
    t->kind = TOK_NAME;
  } else if (c == '-' || is_digit(c)) {
    rc = lex_number(lx);
    t->kind = TOK_NUMBER;
  } else if (c == '"') {
    rc = lex_string(lx);
    t->kind = TOK_STRING;
  } else if (c == '.') {
    if (peek(lx, 1) != '.' || peek(lx, 2) != '.') return;
    lx->i += 3;
    t->kind = TOK_PUNCT;
    t->punct = '.';
  } else {
    switch (c) {
    case '!': case '$': case '&': case '(': case ')': case ':': case '=':
    case '@': case '[': case ']': case '{': case '|': case '}':
      lx->i++;
      t->kind = TOK_PUNCT;
      t->punct = c;
      break;
    default: return; /* anything else, a non-ASCII byte or a control included */
    }
  }
  if (rc != 0) t->kind = TOK_ERROR;
  t->len = lx->i - t->start;
}

static int is_punct(const ugc_gql_token *t, int c) { return t->kind == TOK_PUNCT && t->punct == c; }

static int token_is(const ugc_gql_lexer *lx, const ugc_gql_token *t, const char *word) {
  size_t n = strlen(word);
  return t->kind == TOK_NAME && t->len == n && memcmp(lx->s + t->start, word, n) == 0;
}

/* What a definition starting with the name t is: a ugc_op_type, DEF_FRAGMENT
 * or DEF_OTHER. Keywords are case-sensitive. */
static int definition_kind(const ugc_gql_lexer *lx, const ugc_gql_token *t) {
  if (token_is(lx, t, "query")) return UGC_OP_QUERY;
  if (token_is(lx, t, "mutation")) return UGC_OP_MUTATION;
  if (token_is(lx, t, "subscription")) return UGC_OP_SUBSCRIPTION;
  if (token_is(lx, t, "fragment")) return DEF_FRAGMENT;
  return DEF_OTHER;
}

/* From the token *t on (the first after a definition's keyword and name),
 * skips the rest of the definition: up to the first `{` outside parentheses
 * and brackets (variable definitions, directives), then to the `}` closing it.
 * 0, or -1 on a lexical error, an unbalanced bracket or the end first. */
static int skip_definition(ugc_gql_lexer *lx, ugc_gql_token *t) {
  size_t paren = 0, bracket = 0, brace = 0;
  int in_body = 0;
  for (;; lex_next(lx, t)) {
    if (t->kind == TOK_END || t->kind == TOK_ERROR) return -1;
    if (t->kind != TOK_PUNCT) continue;
    switch (t->punct) {
    case '(': paren++; break;
    case ')':
      if (paren == 0) return -1;
      paren--;
      break;
    case '[': bracket++; break;
    case ']':
      if (bracket == 0) return -1;
      bracket--;
      break;
    case '{':
      if (paren == 0 && bracket == 0 && brace == 0) in_body = 1;
      brace++;
      break;
    case '}':
      if (brace == 0) return -1;
      if (--brace == 0 && in_body) return paren == 0 && bracket == 0 ? 0 : -1;
      break;
    default: break;
    }
  }
}

int ugc_graphql_operation_type(const char *doc, size_t len, const char *op_name, size_t op_len) {
  ugc_gql_lexer lx;
  ugc_gql_token t;
  size_t ops = 0, matches = 0;
  int anonymous = 0, described = 0, only = UGC_OP_UNKNOWN, chosen = UGC_OP_UNKNOWN;
  if (doc == NULL) return UGC_OP_UNKNOWN;
  if (op_len == 0) op_name = NULL; /* "" is no name, as most servers read it */
  lx.s = (const unsigned char *)doc;
  lx.n = len;
  lx.i = 0;
  for (;;) {
    int kind, named = 0, match = 0;
    lex_next(&lx, &t);
    if (t.kind == TOK_END && !described) break;
    if (t.kind == TOK_STRING && !described) { /* a description (newer drafts allow one here) */
      described = 1;
      continue;
    }
    if (is_punct(&t, '{') && !described) { /* shorthand: { ... } is an anonymous query */
      kind = UGC_OP_QUERY;
    } else if (t.kind == TOK_NAME) {
      kind = definition_kind(&lx, &t);
      if (kind == DEF_OTHER) return UGC_OP_UNKNOWN; /* type system definitions do not execute */
      lex_next(&lx, &t);
      if (kind == DEF_FRAGMENT) { /* fragment Name on Type */
        if (t.kind != TOK_NAME || token_is(&lx, &t, "on")) return UGC_OP_UNKNOWN;
        lex_next(&lx, &t);
        if (!token_is(&lx, &t, "on")) return UGC_OP_UNKNOWN;
        lex_next(&lx, &t);
        if (t.kind != TOK_NAME) return UGC_OP_UNKNOWN;
        lex_next(&lx, &t);
      } else if (t.kind == TOK_NAME) { /* the operation's name */
        named = 1;
        match = op_name && t.len == op_len && memcmp(lx.s + t.start, op_name, op_len) == 0;
        lex_next(&lx, &t);
      }
    } else {
      return UGC_OP_UNKNOWN; /* a lexical error, a stray token, or the end after a description */
    }
    described = 0;
    if (skip_definition(&lx, &t) != 0) return UGC_OP_UNKNOWN;
    if (kind == DEF_FRAGMENT) continue;
    ops++;
    only = kind;
    if (!named) anonymous = 1;
    if (match) {
      matches++;
      chosen = kind;
    }
  }
  /* an anonymous operation must be the only one (LoneAnonymousOperation) */
  if (ops == 0 || (anonymous && ops > 1)) return UGC_OP_UNKNOWN;
  if (op_name) return matches == 1 ? chosen : UGC_OP_UNKNOWN;
  return ops == 1 ? only : UGC_OP_UNKNOWN;
}
