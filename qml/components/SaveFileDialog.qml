import QtQuick
import QtQuick.Dialogs
import QtQuick.Templates as T

// A file dialog for saving (FileDialog in SaveFile mode) that keeps the file name when the user changes folder,
// as native save dialogs do.
//
// Where the platform has no file dialog of its own (Linux without a desktop portal, offscreen), Qt draws one in QML.
// Qt 6.4's drawn dialog empties its name field on every change of folder and keeps its accept button disabled until
// the field sees Return or loses focus, even after a name was typed: a user who picks a folder and clicks Export is
// left with a disabled button and no name. While such a dialog is open, this puts the last name back into the
// field after a change of folder and hands each typed name to the dialog at once. Both go through the field's own
// signals (`editingFinished`), the way Return would, and `insert()` leaves the field's binding to the dialog's state
// in place. With a native dialog there is no such field and nothing here runs.
FileDialog {
    id: root

    // The name to keep: the one suggested when the dialog opened, then what the user typed.
    property string keptName
    // Qt's drawn name field while this dialog is open; null for a native dialog.
    property T.TextField nameField: null
    // While the name is put back: remove() and insert() emit textEdited as typing does.
    property bool restoring: false

    fileMode: FileDialog.SaveFile

    function fileNameOf(url) {
        const path = url.toString()
        return path.length > 0 ? decodeURIComponent(path.substring(path.lastIndexOf("/") + 1)) : ""
    }
    function findNameField(item) {
        if (!item)
            return null
        if (item.objectName === "fileNameTextField" && item.visible)
            return item
        for (let i = 0; i < item.children.length; ++i) {
            const found = findNameField(item.children[i])
            if (found)
                return found
        }
        return null
    }
    function commitName() {
        if (nameField)
            nameField.editingFinished()
    }

    onVisibleChanged: {
        if (!visible) {
            nameField = null
            return
        }
        keptName = fileNameOf(selectedFile)
        // The dialog is in the window's overlay, a child of the window's root item: an ApplicationWindow's
        // contentItem is the area under its header, below that root.
        let top = parentWindow ? parentWindow.contentItem : null
        while (top && top.parent)
            top = top.parent
        nameField = findNameField(top)
    }
    onCurrentFolderChanged: {
        if (!nameField || keptName.length === 0 || nameField.text === keptName)
            return
        restoring = true
        nameField.remove(0, nameField.length)
        nameField.insert(0, keptName)
        restoring = false
        commitName()
    }

    Connections {
        target: root.nameField
        function onTextEdited() {
            if (root.restoring)
                return
            root.keptName = root.nameField.text
            root.commitName()
        }
    }
}
