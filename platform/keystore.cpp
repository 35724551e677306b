#include "platform/keystore.h"

namespace fieldnotes {

KeyStore::KeyStore(QObject *parent)
    : QObject(parent)
{ }

// Out of line so the vtable and the moc output have a single home.
KeyStore::~KeyStore() = default;

} // namespace fieldnotes
