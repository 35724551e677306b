#pragma once

#include "base/result.h"
#include "records/entity.h"

#include <QJsonObject>

namespace fieldnotes {

/** Checks record fields against the rules of SYNC-API.md; the one validator both client and server use. */
class Validator final
{
public:
    enum class Mode {
        Create, ///< a new record: required fields must be present and non-null
        Update, ///< a change to an existing record: only the given fields are checked
    };

    /// Every field must be known to the entity and hold a valid value; null clears an optional field.
    [[nodiscard]] static Result<void> validateFields(Entity entity, const QJsonObject &fields, Mode mode);
    [[nodiscard]] static Result<void> validateValue(Entity entity, const FieldSpec &spec, const QJsonValue &value);
    [[nodiscard]] static bool isUuid(QStringView text);
    [[nodiscard]] static bool isTimestamp(QStringView text);
};

} // namespace fieldnotes
