import QtCore
import QtQuick
import QtQuick.Controls
import QtTest
import Fieldnotes

// The export dialogs end to end, as a user drives them: the settings page's export (choose the format and the
// records, Export…, the file dialog: a folder and a file name, confirm) and the account brief's (Export, Markdown… or
// PDF…, the file dialog); then the file holds the export. A folder nobody can write to gives a clear message and
// no file. The file dialog is Qt's own (QtQuick.Dialogs without a platform dialog, as offscreen and a bare X server).
TestCase {
    id: testCase
    name: "ExportDialogs"
    when: windowShown
    visible: true
    width: 900
    height: 1600

    Component {
        id: actionsComponent
        RecordActions {
            session: AppSession
        }
    }
    Component {
        id: settingsComponent
        SettingsPage {
            width: testCase.width
            height: testCase.height
        }
    }
    // The page as the app has it: in an ApplicationWindow, whose contentItem is not the window's root item.
    Component {
        id: appWindowComponent
        ApplicationWindow {
            property alias page: settingsPage
            width: 900
            height: 1200
            visible: true
            header: ToolBar {}
            SettingsPage {
                id: settingsPage
                anchors.fill: parent
            }
        }
    }
    Component {
        id: briefComponent
        AccountPage {
            width: testCase.width
            height: testCase.height
            role: "marketer"
        }
    }

    property string acme

    function initTestCase() {
        const actions = createTemporaryObject(actionsComponent, testCase)
        acme = actions.save("account", "", { name: "Acme Tools", domain: "acme.example" })
        verify(acme.length > 0)
        actions.save("account", "", { name: "Globex" })
        actions.save("insight", "", { account_id: acme, kind: "need", text: "Calibration in minutes",
                                      published: true, quote: "We lose a shift to calibration" })
        actions.save("lead", "", { account_id: acme, recommendation: "Offer a pilot", priority: 1, status: "open" })
    }

    // Qt's file dialog, once it is up: its popup, the file name field and the button that accepts.
    // The overlay of the window the dialog is in (the test's own, or an ApplicationWindow's).
    function overlayOf(fileDialog) {
        return fileDialog.parentWindow && fileDialog.parentWindow !== testCase.Window.window
            ? fileDialog.parentWindow.Overlay.overlay : Overlay.overlay
    }
    function openedDialog(fileDialog) {
        tryVerify(() => fileDialog.visible, 2000, "the file dialog opens")
        const nameField = findChild(overlayOf(fileDialog), "fileNameTextField")
        verify(nameField, "the dialog has a file name field")
        tryVerify(() => nameField.visible)
        return nameField
    }
    function acceptButton(fileDialog) {
        const label = fileDialog.acceptLabel
        verify(label.length > 0, "the dialog says what accepting does")
        const box = findChild(overlayOf(fileDialog), "fileNameTextField").parent
        for (let i = 0; i < box.children.length; ++i) {
            const child = box.children[i]
            if (child instanceof DialogButtonBox) {
                for (let j = 0; j < child.count; ++j) {
                    const button = child.itemAt(j)
                    if (button && button.text === label)
                        return button
                }
            }
        }
        fail("no " + label + " button in the file dialog")
        return null
    }
    // The up button of Qt's dialog (it has no object name): the tool button with the "up" icon.
    function upButton(item) {
        if (!item)
            return null
        if (item instanceof ToolButton && String(item.icon.source).indexOf("up-icon") >= 0 && item.visible)
            return item
        for (let i = 0; i < item.children.length; ++i) {
            const found = upButton(item.children[i])
            if (found)
                return found
        }
        return null
    }
    // As a user: go to `folder`, type the file name over the suggested one (unless it is empty), click the button.
    // No Return: Qt 6.4's own dialog took a typed name only on Return, and emptied the name and disabled its button
    // on a change of folder (SaveFileDialog).
    function saveAs(fileDialog, folder, fileName) {
        const nameField = openedDialog(fileDialog)
        const suggested = nameField.text
        verify(suggested.length > 0, "a file name is suggested")
        const button = acceptButton(fileDialog)
        verify(button.enabled)
        fileDialog.currentFolder = folder
        tryCompare(fileDialog, "currentFolder", folder)
        compare(nameField.text, suggested, "the name stays when the folder changes")
        verify(button.enabled, "a name in a new folder can be saved at once")
        if (fileName.length > 0) {
            nameField.forceActiveFocus()
            nameField.selectAll()
            keyClick(Qt.Key_Delete)
            for (const c of fileName)
                keyClick(c)
            compare(nameField.text, fileName)
        }
        verify(button.enabled)
        verify(button.height >= 36)
        mouseClick(button)
        tryVerify(() => !fileDialog.visible, 2000, "the file dialog closes")
    }
    // Picks `text` in a combo box by its popup, as a user does.
    function choose(box, text) {
        mouseClick(box)
        tryVerify(() => box.popup.opened)
        let delegate = null
        tryVerify(() => {
            const list = box.popup.contentItem
            for (let i = 0; i < list.count; ++i) {
                const item = list.itemAtIndex(i)
                if (item && item.text === text)
                    delegate = item
            }
            return delegate !== null
        }, 2000, text + " in " + box.objectName)
        mouseClick(delegate)
        tryVerify(() => !box.popup.visible)
        compare(box.currentText, text)
    }

    function test_settingsExportJson() {
        const page = createTemporaryObject(settingsComponent, testCase)
        const fileDialog = findChild(page, "exportFileDialog")
        const folder = TestFiles.newFolder("json")
        choose(findChild(page, "exportFormatBox"), "JSON")
        choose(findChild(page, "exportEntityBox"), "All records")
        const exportButton = findChild(page, "exportButton")
        verify(exportButton.enabled)
        verify(exportButton.height >= 48)
        mouseClick(exportButton)
        // It starts in the documents folder (or home), with a name for the format: not at the file system's root.
        compare(openedDialog(fileDialog).text, "fieldnotes-export.json")
        const start = fileDialog.currentFolder.toString()
        verify(start === StandardPaths.writableLocation(StandardPaths.DocumentsLocation).toString()
               || start === StandardPaths.writableLocation(StandardPaths.HomeLocation).toString(), start)
        saveAs(fileDialog, folder, "team.json")

        const file = folder + "/team.json"
        verify(TestFiles.exists(file))
        compare(TestFiles.entries(folder), ["team.json"]) // no temporary file left beside it
        const exported = JSON.parse(TestFiles.readText(file))
        compare(exported.format, "fieldnotes-export")
        compare(exported.records.account.length, 2)
        verify(exported.records.account.some(a => a.name === "Acme Tools"))
        compare(exported.records.insight[0].text, "Calibration in minutes")
        verify(TestFiles.isPrivate(file), "the export is readable by its owner only")
        const message = findChild(page, "transferMessage")
        verify(message.visible)
        verify(message.text.indexOf("team.json") >= 0, message.text)
        verify(message.text.indexOf("not encrypted") >= 0, message.text)
    }

    // The import's file dialog starts where the exports save: the documents folder (or home), not the root.
    function test_settingsImportStartsInTheDocumentsFolder() {
        const page = createTemporaryObject(settingsComponent, testCase)
        const fileDialog = findChild(page, "importFileDialog")
        mouseClick(findChild(page, "importAccountsButton"))
        tryVerify(() => fileDialog.visible, 2000, "the file dialog opens")
        const start = fileDialog.currentFolder.toString()
        verify(start === StandardPaths.writableLocation(StandardPaths.DocumentsLocation).toString()
               || start === StandardPaths.writableLocation(StandardPaths.HomeLocation).toString(), start)
        fileDialog.reject()
        tryVerify(() => !fileDialog.visible)
    }

    // A user who only picks another folder saves there under the suggested name; one who then goes on to a third
    // folder, after typing a name, keeps the typed name.
    function test_settingsExportKeepsTheNameAcrossFolders() {
        const page = createTemporaryObject(settingsComponent, testCase)
        const fileDialog = findChild(page, "exportFileDialog")
        const first = TestFiles.newFolder("keep-first")
        choose(findChild(page, "exportFormatBox"), "JSON")
        choose(findChild(page, "exportEntityBox"), "All records")
        mouseClick(findChild(page, "exportButton"))
        saveAs(fileDialog, first, "")
        compare(TestFiles.entries(first), ["fieldnotes-export.json"])

        const second = TestFiles.newFolder("keep-second")
        const third = TestFiles.newFolder("keep-third")
        mouseClick(findChild(page, "exportButton"))
        const nameField = openedDialog(fileDialog)
        fileDialog.currentFolder = second
        tryCompare(fileDialog, "currentFolder", second)
        nameField.forceActiveFocus()
        nameField.selectAll()
        keyClick(Qt.Key_Delete)
        for (const c of "typed.json")
            keyClick(c)
        fileDialog.currentFolder = third
        tryCompare(fileDialog, "currentFolder", third)
        compare(nameField.text, "typed.json")
        const button = acceptButton(fileDialog)
        verify(button.enabled)
        mouseClick(button)
        tryVerify(() => !fileDialog.visible, 2000, "the file dialog closes")
        compare(TestFiles.entries(third), ["typed.json"])
        compare(TestFiles.entries(second), [])
        compare(JSON.parse(TestFiles.readText(third + "/typed.json")).format, "fieldnotes-export")

        // Moving about as a user does: into a folder (double-click) and back up (the dialog's up button, after which
        // Qt selects the folder it came from): the name stays, and Export saves it where the dialog is.
        const outer = TestFiles.newFolder("keep-outer")
        TestFiles.newFolder("keep-outer/inner")
        mouseClick(findChild(page, "exportButton"))
        openedDialog(fileDialog)
        fileDialog.currentFolder = outer
        tryCompare(fileDialog, "currentFolder", outer)
        let inner = null
        tryVerify(() => {
            inner = findChild(Overlay.overlay, "fileDialogDelegate0")
            return inner && inner.visible && String(inner.file).endsWith("/inner")
        }, 2000, "the folder is listed")
        mouseDoubleClickSequence(inner)
        tryCompare(fileDialog, "currentFolder", outer + "/inner")
        compare(nameField.text, "fieldnotes-export.json")
        verify(button.enabled)
        const up = upButton(Overlay.overlay)
        verify(up, "the dialog has an up button")
        mouseClick(up)
        tryCompare(fileDialog, "currentFolder", outer)
        compare(nameField.text, "fieldnotes-export.json")
        verify(button.enabled)
        mouseClick(button)
        tryVerify(() => !fileDialog.visible, 2000, "the file dialog closes")
        compare(TestFiles.entries(outer), ["fieldnotes-export.json"])

        // No name when the folder changes: the button waits for one, and takes it as it is typed (Qt 6.4's took it on
        // Return only).
        const fourth = TestFiles.newFolder("keep-fourth")
        mouseClick(findChild(page, "exportButton"))
        openedDialog(fileDialog)
        nameField.forceActiveFocus()
        nameField.selectAll()
        keyClick(Qt.Key_Delete)
        fileDialog.currentFolder = fourth
        tryCompare(fileDialog, "currentFolder", fourth)
        compare(nameField.text, "")
        verify(!button.enabled)
        nameField.forceActiveFocus()
        for (const c of "late.json")
            keyClick(c)
        verify(button.enabled)
        mouseClick(button)
        tryVerify(() => !fileDialog.visible, 2000, "the file dialog closes")
        compare(TestFiles.entries(fourth), ["late.json"])
    }

    function test_settingsExportInAnApplicationWindow() {
        const window = createTemporaryObject(appWindowComponent, testCase)
        waitForRendering(window.contentItem)
        const page = window.page
        const fileDialog = findChild(page, "exportFileDialog")
        const folder = TestFiles.newFolder("in-window")
        choose(findChild(page, "exportFormatBox"), "JSON")
        mouseClick(findChild(page, "exportButton"))
        compare(fileDialog.parentWindow, window)
        saveAs(fileDialog, folder, "")
        compare(TestFiles.entries(folder), ["fieldnotes-export.json"])
    }

    function test_settingsExportCsvOfAccounts() {
        const page = createTemporaryObject(settingsComponent, testCase)
        const fileDialog = findChild(page, "exportFileDialog")
        const folder = TestFiles.newFolder("csv")
        const exportButton = findChild(page, "exportButton")
        choose(findChild(page, "exportFormatBox"), "CSV")
        // A CSV file holds one kind of record: not before one is chosen.
        choose(findChild(page, "exportEntityBox"), "All records")
        verify(!exportButton.enabled)
        choose(findChild(page, "exportEntityBox"), "Accounts")
        verify(exportButton.enabled)
        mouseClick(exportButton)
        compare(openedDialog(fileDialog).text, "fieldnotes-export-account.csv")
        saveAs(fileDialog, folder, "accounts.csv")

        const csv = TestFiles.readText(folder + "/accounts.csv")
        const lines = csv.trim().split(/\r?\n/)
        verify(lines[0].startsWith("id,"), lines[0])
        verify(lines[0].indexOf("name") > 0, lines[0])
        compare(lines.length, 3) // the header and two accounts
        verify(csv.indexOf("Acme Tools") > 0)
        verify(csv.indexOf("Globex") > 0)
        verify(csv.indexOf("Calibration") < 0, "accounts only")
        verify(!findChild(page, "transferMessage").text.startsWith("Nothing"))
    }

    function test_settingsExportMarkdown() {
        const page = createTemporaryObject(settingsComponent, testCase)
        const fileDialog = findChild(page, "exportFileDialog")
        const folder = TestFiles.newFolder("markdown")
        choose(findChild(page, "exportFormatBox"), "Markdown")
        choose(findChild(page, "exportEntityBox"), "Leads")
        mouseClick(findChild(page, "exportButton"))
        saveAs(fileDialog, folder, "leads.md")
        const markdown = TestFiles.readText(folder + "/leads.md")
        verify(markdown.indexOf("Offer a pilot") >= 0, markdown)
        verify(markdown.indexOf("Calibration in minutes") < 0, "leads only")
    }

    function test_settingsExportToUnwritableFolder() {
        const page = createTemporaryObject(settingsComponent, testCase)
        const fileDialog = findChild(page, "exportFileDialog")
        const folder = TestFiles.unwritableFolder()
        const before = TestFiles.entries(folder)
        choose(findChild(page, "exportFormatBox"), "JSON")
        mouseClick(findChild(page, "exportButton"))
        saveAs(fileDialog, folder, "fieldnotes-export.json")

        verify(!TestFiles.exists(folder + "/fieldnotes-export.json"))
        compare(TestFiles.entries(folder), before) // nothing, not even a temporary file
        const message = findChild(page, "transferMessage")
        verify(message.visible)
        verify(message.text.indexOf("Nothing was exported") === 0, message.text)
        verify(message.text.indexOf("fieldnotes-export.json") > 0, message.text)
        compare(message.color, Theme.warning)
    }

    function test_briefExportMarkdownAndPdf() {
        const page = createTemporaryObject(briefComponent, testCase, { accountId: acme })
        const fileDialog = findChild(page, "briefExportDialog")
        const folder = TestFiles.newFolder("brief")
        const exportButton = findChild(page, "briefExportButton")
        verify(exportButton.enabled)
        verify(exportButton.height >= 48)

        mouseClick(exportButton)
        const markdownItem = findChild(Overlay.overlay, "briefExportMarkdown")
        tryVerify(() => markdownItem && markdownItem.visible)
        mouseClick(markdownItem)
        const nameField = openedDialog(fileDialog)
        compare(nameField.text, "Acme Tools brief.md")
        saveAs(fileDialog, folder, "acme.md")
        const markdown = TestFiles.readText(folder + "/acme.md")
        verify(markdown.indexOf("# Acme Tools: account brief") === 0, markdown)
        verify(markdown.indexOf("Calibration in minutes") > 0)
        verify(markdown.indexOf("Offer a pilot") > 0)
        const message = findChild(page, "briefExportMessage")
        verify(message.visible)
        verify(message.text.indexOf("Saved to") === 0, message.text)

        mouseClick(exportButton)
        const pdfItem = findChild(Overlay.overlay, "briefExportPdf")
        tryVerify(() => pdfItem && pdfItem.visible)
        mouseClick(pdfItem)
        saveAs(fileDialog, folder, "acme.pdf")
        verify(TestFiles.readText(folder + "/acme.pdf").startsWith("%PDF-"))
        compare(TestFiles.entries(folder), ["acme.md", "acme.pdf"])
    }

    function test_briefExportToUnwritableFolder() {
        const page = createTemporaryObject(briefComponent, testCase, { accountId: acme })
        const fileDialog = findChild(page, "briefExportDialog")
        const folder = TestFiles.unwritableFolder()
        const before = TestFiles.entries(folder)
        mouseClick(findChild(page, "briefExportButton"))
        const pdfItem = findChild(Overlay.overlay, "briefExportPdf")
        tryVerify(() => pdfItem && pdfItem.visible)
        mouseClick(pdfItem)
        saveAs(fileDialog, folder, "acme.pdf")
        verify(!TestFiles.exists(folder + "/acme.pdf"))
        compare(TestFiles.entries(folder), before)
        const message = findChild(page, "briefExportMessage")
        verify(message.visible)
        verify(message.text.indexOf("Nothing was saved") === 0, message.text)
        verify(message.text.indexOf("acme.pdf") > 0, message.text)
        compare(message.color, Theme.warning)
    }
}
