/* tracegraph._stat: the lstat of every name of git's listing, in C (optional: setup.py builds
 * it where a C compiler is; tracegraph.warm falls back to os.lstat, with the same results).
 *
 * Every warm or incremental check stats every listed file (10,800 at 10,000 documents). From
 * Python that is an os.stat_result per file (about a dozen objects, float times computed) and
 * a walk of the whole path; here it is one fstatat relative to the file's folder, opened once
 * per folder (O_PATH), and one tuple of four integers: 26 -> 12 ms at 10,000 documents.
 */
#define PY_SSIZE_T_CLEAN
#include <Python.h>

#include <fcntl.h>
#include <limits.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

/* Bumped whenever what stat_names returns changes: tracegraph.warm uses a build whose number
 * is not the one it expects (an edited source not compiled again) as if there were none. */
#define STAT_ABI 1

/* Nanoseconds since the epoch, as os.stat_result's st_*_ns (a Python int of any size). */
static PyObject *
nanoseconds(struct timespec ts)
{
    if (ts.tv_sec > -9000000000LL && ts.tv_sec < 9000000000LL) {
        return PyLong_FromLongLong((long long)ts.tv_sec * 1000000000LL + ts.tv_nsec);
    }
    PyObject *sec = PyLong_FromLongLong((long long)ts.tv_sec);
    PyObject *giga = PyLong_FromLong(1000000000L);
    PyObject *nsec = PyLong_FromLong(ts.tv_nsec);
    PyObject *scaled = (sec && giga) ? PyNumber_Multiply(sec, giga) : NULL;
    PyObject *out = (scaled && nsec) ? PyNumber_Add(scaled, nsec) : NULL;
    Py_XDECREF(sec);
    Py_XDECREF(giga);
    Py_XDECREF(nsec);
    Py_XDECREF(scaled);
    return out;
}

/* (st_size, st_mtime_ns, st_ctime_ns, st_mode), as tracegraph.warm.list_files keeps them. */
static PyObject *
stat_tuple(const struct stat *st)
{
    PyObject *items[4] = {
        PyLong_FromLongLong((long long)st->st_size),
        nanoseconds(st->st_mtim),
        nanoseconds(st->st_ctim),
        PyLong_FromUnsignedLong((unsigned long)st->st_mode),
    };
    PyObject *out = NULL;
    if (items[0] && items[1] && items[2] && items[3]) {
        out = PyTuple_New(4);
    }
    for (int i = 0; i < 4; i++) {
        if (out) {
            PyTuple_SET_ITEM(out, i, items[i]);
        } else {
            Py_XDECREF(items[i]);
        }
    }
    return out;
}

/* stat_names(prefix: bytes, names: list[str]) -> list[tuple[int, int, int, int] | None]
 *
 * The lstat of prefix + name (each name encoded as os.fsencode does) for every name, None
 * where it fails (os.lstat would raise OSError, or ValueError for an embedded NUL) and for
 * the empty name. Each folder is opened once (O_PATH: search permission only, as an lstat
 * through it needs) and its names stat-ed relative to it; a folder that cannot be opened has
 * its names stat-ed by their whole path, as os.lstat does. */
static PyObject *
stat_names(PyObject *self, PyObject *args)
{
    const char *prefix;
    Py_ssize_t prefix_len;
    PyObject *names;
    if (!PyArg_ParseTuple(args, "y#O!", &prefix, &prefix_len, &PyList_Type, &names)) {
        return NULL;
    }
    Py_ssize_t count = PyList_GET_SIZE(names);
    PyObject *out = PyList_New(count);
    if (out == NULL) {
        return NULL;
    }
    size_t cap = (size_t)prefix_len + 256;
    char *path = PyMem_Malloc(cap);
    char *folder = PyMem_Malloc(cap);
    size_t folder_len = 0;
    int have_folder = 0;
    int dir_fd = -1;
    if (path == NULL || folder == NULL) {
        PyMem_Free(path);
        PyMem_Free(folder);
        Py_DECREF(out);
        return PyErr_NoMemory();
    }
    memcpy(path, prefix, (size_t)prefix_len);
    for (Py_ssize_t i = 0; i < count; i++) {
        PyObject *name = PyList_GET_ITEM(names, i);
        if (!PyUnicode_Check(name)) {
            PyErr_SetString(PyExc_TypeError, "names must be str");
            goto fail;
        }
#if PY_VERSION_HEX < 0x030C0000
        if (PyUnicode_READY(name) < 0) {  /* always ready from 3.12 on */
            goto fail;
        }
#endif
        PyObject *encoded = NULL;  /* an ASCII name is its own encoding */
        const char *raw;
        size_t len;
        if (PyUnicode_IS_ASCII(name)) {
            raw = (const char *)PyUnicode_DATA(name);
            len = (size_t)PyUnicode_GET_LENGTH(name);
        } else {
            encoded = PyUnicode_EncodeFSDefault(name);
            if (encoded == NULL) {
                goto fail;
            }
            raw = PyBytes_AS_STRING(encoded);
            len = (size_t)PyBytes_GET_SIZE(encoded);
        }
        PyObject *item = NULL;
        if (len == 0 || memchr(raw, '\0', len) != NULL) {
            item = Py_NewRef(Py_None);
        } else {
            if ((size_t)prefix_len + len + 1 > cap) {
                cap = (size_t)prefix_len + len + 256;
                char *grown = PyMem_Realloc(path, cap);
                char *grown_folder = grown ? PyMem_Realloc(folder, cap) : NULL;
                if (grown) {
                    path = grown;
                }
                if (grown_folder == NULL) {
                    Py_XDECREF(encoded);
                    PyErr_NoMemory();
                    goto fail;
                }
                folder = grown_folder;
            }
            size_t base_at = len;  /* just after the last slash, 0 without one */
            while (base_at > 0 && raw[base_at - 1] != '/') {
                base_at--;
            }
            struct stat st;
            int failed;
#ifdef O_PATH
            size_t dir_len = base_at ? base_at - 1 : 0;
            if (!have_folder || dir_len != folder_len || memcmp(folder, raw, dir_len) != 0) {
                if (dir_fd >= 0) {
                    close(dir_fd);
                }
                memcpy(folder, raw, dir_len);
                folder_len = dir_len;
                have_folder = 1;
                memcpy(path + prefix_len, raw, dir_len);
                path[prefix_len + dir_len] = '\0';
                dir_fd = open(prefix_len + dir_len ? path : ".",
                              O_PATH | O_DIRECTORY | O_CLOEXEC);
            }
            if (dir_fd >= 0 && base_at < len) {  /* "nested/" (a repository): whole path */
                memcpy(path, raw + base_at, len - base_at);  /* the base name, reusing path */
                path[len - base_at] = '\0';
                failed = fstatat(dir_fd, path, &st, AT_SYMLINK_NOFOLLOW);
                memcpy(path, prefix, (size_t)prefix_len);
            } else
#endif
            {
                memcpy(path + prefix_len, raw, len);
                path[prefix_len + len] = '\0';
                failed = lstat(path, &st);
            }
            item = failed ? Py_NewRef(Py_None) : stat_tuple(&st);
        }
        Py_XDECREF(encoded);
        if (item == NULL) {
            goto fail;
        }
        PyList_SET_ITEM(out, i, item);
    }
    if (dir_fd >= 0) {
        close(dir_fd);
    }
    PyMem_Free(path);
    PyMem_Free(folder);
    return out;
fail:
    if (dir_fd >= 0) {
        close(dir_fd);
    }
    PyMem_Free(path);
    PyMem_Free(folder);
    Py_DECREF(out);
    return NULL;
}

static PyMethodDef methods[] = {
    {"stat_names", stat_names, METH_VARARGS,
     "stat_names(prefix, names): the lstat of prefix + name for each name, as "
     "(size, mtime_ns, ctime_ns, mode), or None where it fails."},
    {NULL, NULL, 0, NULL},
};

static struct PyModuleDef module = {
    PyModuleDef_HEAD_INIT, "tracegraph._stat",
    "The lstat of every listed name in C (optional; tracegraph.warm).", -1, methods,
    NULL, NULL, NULL, NULL,
};

PyMODINIT_FUNC
PyInit__stat(void)
{
    PyObject *m = PyModule_Create(&module);
    if (m != NULL && PyModule_AddIntConstant(m, "ABI", STAT_ABI) < 0) {
        Py_DECREF(m);
        return NULL;
    }
    return m;
}
