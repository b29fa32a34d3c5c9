// npz.cpp: arrays -> NumPy .npz, a zip of NPY 1.0 files written with libzip.
// The entries are stored, not deflated, as numpy.savez does: float training state barely
// compresses, and storing keeps export fast. Each entry's data is handed to libzip as two
// fragments (our NPY header, the array's own buffer), so no array is copied.
#include <array>
#include <bit>
#include <memory>

#include <zip.h>

#include "common/error.h"
#include "viz/export/formats.h"
#include "viz/export/output.h"

namespace nanogpt::viz::exporting {

static_assert(std::endian::native == std::endian::little, "NPY '<f4'/'<i4' data is written as laid out in memory");

std::string npy_header(const ExportArray& array) {
    std::string shape;
    for (size_t i = 0; i < array.shape.size(); ++i) shape += (i ? ", " : "") + std::to_string(array.shape[i]);
    if (array.shape.size() == 1) shape += ",";  // a Python 1-tuple: (5,)
    std::string dict = std::string("{'descr': '") + (array.dtype == DType::F32 ? "<f4" : "<i4") +
                       "', 'fortran_order': False, 'shape': (" + shape + "), }";
    // magic (6) + version (2) + header length (2) + dict + '\n', padded to a multiple of 64.
    constexpr size_t kPrefix = 10;
    dict.append((64 - (kPrefix + dict.size() + 1) % 64) % 64, ' ');
    dict += '\n';
    if (dict.size() > 0xFFFF) throw Error("array '" + array.name + "' has too many dimensions for NPY 1.0");
    const uint16_t length = static_cast<uint16_t>(dict.size());
    std::string header = "\x93NUMPY";
    header += '\x01';
    header += '\x00';
    header += static_cast<char>(length & 0xFF);
    header += static_cast<char>(length >> 8);
    return header + dict;
}

void write_npz(const std::vector<ExportArray>& arrays, const std::string& out_path) {
    const std::string tmp_path = out_path + ".tmp";
    int open_error = 0;
    zip_t* opened = zip_open(tmp_path.c_str(), ZIP_CREATE | ZIP_TRUNCATE, &open_error);
    if (!opened) {
        zip_error_t error;
        zip_error_init_with_code(&error, open_error);
        std::string message = zip_error_strerror(&error);
        zip_error_fini(&error);
        throw Error("cannot write '" + out_path + "': " + message,
                    "check that the output directory exists and is writable");
    }
    // Until zip_close succeeds, any exit discards the archive (and its temp file).
    std::unique_ptr<zip_t, void (*)(zip_t*)> archive(opened, zip_discard);
    auto fail = [&](const std::string& what) {
        throw Error("cannot write '" + out_path + "': " + what + ": " + zip_strerror(archive.get()),
                    "check that the output directory exists and is writable");
    };

    // libzip reads the fragments at zip_close: headers and fragment lists must live until then.
    std::vector<std::string> headers(arrays.size());
    std::vector<std::array<zip_buffer_fragment_t, 2>> fragments(arrays.size());
    for (size_t i = 0; i < arrays.size(); ++i) {
        const ExportArray& a = arrays[i];
        headers[i] = npy_header(a);
        fragments[i][0] = {reinterpret_cast<zip_uint8_t*>(headers[i].data()), headers[i].size()};
        zip_uint64_t count = 1;
        if (a.bytes() > 0) {
            // libzip only reads the data (the source does not own it: freep = 0).
            fragments[i][1] = {static_cast<zip_uint8_t*>(const_cast<void*>(a.data())), a.bytes()};
            count = 2;
        }
        zip_source_t* source = zip_source_buffer_fragment(archive.get(), fragments[i].data(), count, 0);
        if (!source) fail("adding '" + a.name + "'");
        zip_int64_t index = zip_file_add(archive.get(), (a.name + ".npy").c_str(), source, ZIP_FL_ENC_UTF_8);
        if (index < 0) {
            zip_source_free(source);
            fail("adding '" + a.name + "'");
        }
        if (zip_set_file_compression(archive.get(), static_cast<zip_uint64_t>(index), ZIP_CM_STORE, 0) != 0)
            fail("storing '" + a.name + "'");
    }
    if (zip_close(archive.get()) != 0) fail("closing the archive");
    archive.release();  // zip_close freed it
    commit_temp_file(tmp_path, out_path);
}

}  // namespace nanogpt::viz::exporting
