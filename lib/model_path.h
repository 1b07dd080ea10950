/* model_path: what --model names, for every tool that takes one.
 *
 * A model is a Hugging Face model folder. --model ARG is, in this order:
 *  - a folder path as given (absolute, or relative to the current folder);
 *  - a name, looked up like a Hub name in the models directories, first
 *    match wins: each folder of $PIPETUNE_MODELS (colon-separated), then
 *    ./models, then the models folder of this build or installation
 *    (EXE/../models, EXE/../share/pipetune/models, EXE being the folder of
 *    the running tool). "org/name" is tried as DIR/org/name, then
 *    DIR/name, so `--model sentence-transformers/all-MiniLM-L6-v2` finds
 *    what scripts/fetch-model.sh unpacked.
 * Without --model, tools that have a default use $PIPETUNE_MODEL when set,
 * else MODEL_PATH_DEFAULT (the demo's model), resolved the same way. */
#ifndef PT_MODEL_PATH_H
#define PT_MODEL_PATH_H

#define MODEL_PATH_DEFAULT "all-MiniLM-L6-v2"

/* Resolves arg (NULL: the default model, see above) to a model folder and
 * returns its path (free() it). Prints "PROG: model: PATH (why)" on stderr
 * when the folder was not given as a path (the default, PIPETUNE_MODEL, or
 * a name found in a models directory). Dies (exit 1) when nothing matches,
 * with one line that says where it looked and how to get a model. */
char *model_path_resolve(const char *arg);

#endif
