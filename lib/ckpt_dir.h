/* ckpt_dir: folders written atomically, and a run's checkpoint-N folders.
 *
 * ckpt_dir_begin makes a hidden temporary folder ".NAME.tmp.PID" beside
 * the target; the caller fills it; ckpt_dir_commit puts it in place, the
 * only way a folder written here reaches its final name. Temporary folders
 * still pending at exit (pt_die included) are removed by an atexit hook,
 * and those left by killed processes (their PID no longer running) by the
 * next begin for the same NAME.
 *
 * A run folder (train's --output-dir) holds checkpoint-N subfolders, N the
 * optimizer step; one scan (ckpt_dir.c) serves ckpt_dir_last and
 * ckpt_dir_rotate. */
#ifndef PT_CKPT_DIR_H
#define PT_CKPT_DIR_H

#include <stddef.h>

/* Starts writing the folder out_dir: creates and returns a new empty
 * hidden folder beside it (".NAME.tmp.PID"; free() it), after removing
 * temporary folders that killed runs left for the same NAME. Until
 * ckpt_dir_commit, the temporary folder is removed if the process exits
 * (pt_die included). Dies when out_dir's parent folder does not exist. */
char *ckpt_dir_begin(const char *out_dir);

/* Puts tmp (from ckpt_dir_begin, its files complete) in place, in one of
 * two ways, fsyncing what it renamed and out_dir's parent:
 *  - files == NULL: tmp becomes the folder out_dir. An existing out_dir is
 *    swapped out atomically (renameat2 RENAME_EXCHANGE, else two renames)
 *    and removed; its subfolders named checkpoint-* are moved into the new
 *    folder first. Refuses (dies) to replace an existing out_dir that is
 *    not a folder, or a non-empty folder without config.json,
 *    model.safetensors, model.safetensors.index.json or trainer_state.json,
 *    so a mistyped path never deletes unrelated files.
 *  - files: a NULL-terminated list of names; those present in tmp are
 *    renamed one by one, in that order, into the existing folder out_dir
 *    (each file whole, the set not atomic: list the file that marks a
 *    complete save last), then tmp is removed. Other entries of out_dir
 *    stay.
 * tmp is no longer pending afterwards (the caller still frees the string).
 * Dies on a failed rename, leaving out_dir as it was (whole mode) or with
 * the files renamed so far (files mode). */
void ckpt_dir_commit(const char *tmp, const char *out_dir, const char *const *files);

/* Copies the file src_dir/name into dir (fsynced) when it exists; returns 1
 * if copied, 0 if absent. Dies on a read or write error. */
int ckpt_copy_file(const char *src_dir, const char *dir, const char *name);

/* run_dir/checkpoint-N for step N (free() it). */
char *ckpt_dir_checkpoint(const char *run_dir, long step);

/* The newest checkpoint of run_dir (largest N; free() it), or NULL with
 * errno 0 when it has none, or NULL with errno set when run_dir cannot be
 * read. */
char *ckpt_dir_last(const char *run_dir);

/* Removes the oldest checkpoint-N folders of run_dir until at most keep
 * remain (keep <= 0: none removed); warns on stderr about a folder it
 * cannot remove. */
void ckpt_dir_rotate(const char *run_dir, int keep);

#endif
