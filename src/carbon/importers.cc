#include "carbon/importers.h"

#include "carbon/import_common.h"

namespace kfm::carbon {

Result<ImportFormat> ParseImportFormat(std::string_view name) {
  if (name == "electricitymaps") return ImportFormat::kElectricityMaps;
  if (name == "eia930") return ImportFormat::kEia930;
  if (name == "carbon-aware-json") return ImportFormat::kCarbonAwareJson;
  return Status::InvalidArgument("unknown import format '" + std::string(name) +
                                 "' (expected electricitymaps, eia930 or carbon-aware-json)");
}

Result<ImportedTable> ImportFiles(const ImportRequest& request) {
  if (request.files.empty()) return Status::InvalidArgument("carbon import: no input files");
  switch (request.format) {
    case ImportFormat::kElectricityMaps:
      return import_internal::ImportElectricityMaps(request);
    case ImportFormat::kEia930:
      return import_internal::ImportEia930(request);
    case ImportFormat::kCarbonAwareJson:
      return import_internal::ImportCarbonAware(request);
  }
  return Status::Internal("carbon import: unhandled format");
}

}  // namespace kfm::carbon
