import QtQuick
import QtTest
import Fieldnotes

// The Leads page: a marketer creates a lead through the form; a sales rep can only accept, decline or complete it
// and write the outcome; the store reflects both.
TestCase {
    id: testCase
    name: "LeadsPage"
    when: windowShown
    // Shown, so that visibility and clicks are what a user gets.
    visible: true
    width: 1000
    height: 900

    Component {
        id: actionsComponent
        RecordActions {
            session: AppSession
        }
    }
    Component {
        id: pageComponent
        LeadsPage {
            width: testCase.width
            height: testCase.height
        }
    }
    Component {
        id: briefComponent
        AccountBrief {
            session: AppSession
        }
    }

    function detailOf(page) {
        const detail = findChild(page, "leadDetail")
        verify(detail, "the lead pane is open")
        return detail
    }

    function test_1_marketerCreatesALead() {
        const actions = createTemporaryObject(actionsComponent, testCase)
        const acme = actions.save("account", "", { name: "Acme Tools" })
        verify(acme.length > 0)
        const page = createTemporaryObject(pageComponent, testCase, { role: "marketer" })
        compare(page.model.count, 0)
        const newButton = findChild(page, "newLeadButton")
        verify(newButton.visible)
        mouseClick(newButton)
        let detail = null
        tryVerify(() => (detail = findChild(page, "leadDetail")) !== null)
        const save = findChild(detail, "leadSaveButton")
        verify(save.visible)
        verify(!save.enabled) // no account, no recommendation yet

        // The account, from the picker.
        const picker = findChild(detail, "leadAccountPicker")
        mouseClick(findChild(picker, "accountPickerButton"))
        const popup = findChild(picker, "accountPickerPopup")
        tryCompare(popup, "opened", true)
        let choice = null
        tryVerify(() => (choice = findChild(popup.contentItem, "accountChoice_0")) !== null)
        mouseClick(choice)
        tryCompare(popup, "visible", false)
        compare(findChild(picker, "accountPickerButton").text, "Acme Tools")

        findChild(detail, "leadRecommendationField").text = "Offer a pilot of the calibration service"
        mouseClick(findChild(detail, "leadPriority_1"))
        mouseClick(findChild(detail, "leadHorizon_quarter"))
        verify(save.enabled)
        mouseClick(save)

        // The list and the store have it, open, for that account.
        tryCompare(page.model, "count", 1)
        verify(page.selectedId.length > 0)
        const fields = actions.fields("lead", page.selectedId)
        compare(fields.account_id, acme)
        compare(fields.recommendation, "Offer a pilot of the calibration service")
        compare(fields.priority, 1)
        compare(fields.horizon, "quarter")
        compare(fields.status, "open")
        compare(page.model.get(0).accountName, "Acme Tools")
        // The account's brief shows it as an open lead.
        const brief = createTemporaryObject(briefComponent, testCase, { accountId: acme })
        compare(brief.openLeads.length, 1)
        compare(brief.openLeads[0].recommendation, "Offer a pilot of the calibration service")

        // Editing: a marketer changes the priority.
        detail = detailOf(page)
        mouseClick(findChild(detail, "leadPriority_3"))
        mouseClick(findChild(detail, "leadSaveButton"))
        compare(actions.fields("lead", page.selectedId).priority, 3)
        verify(findChild(detail, "deleteLeadButton").visible)
    }

    function test_2_salesAnswersOnly() {
        const actions = createTemporaryObject(actionsComponent, testCase)
        const account = actions.save("account", "", { name: "Globex" })
        const lead = actions.saveLead("", account, "Call the CTO before the fair", 1, "now")
        verify(lead.length > 0)
        const page = createTemporaryObject(pageComponent, testCase, { role: "sales" })
        verify(!findChild(page, "newLeadButton").visible)
        page.newLead(account) // refused for sales
        compare(page.creating, false)

        page.open(lead)
        const detail = detailOf(page)
        // Marketing's part is read-only.
        verify(findChild(detail, "leadRecommendationField").readOnly)
        verify(!findChild(detail, "leadSaveButton").visible)
        verify(!findChild(detail, "leadAccountPicker").visible)
        verify(!findChild(detail, "leadPriority_1").visible)
        verify(!findChild(detail, "deleteLeadButton").visible)
        compare(findChild(detail, "leadAccountName").text, "Globex")
        compare(findChild(detail, "leadPriorityText").text, "High priority")
        compare(findChild(detail, "leadHorizonText").text, "Now")

        // Accept, then report the outcome.
        mouseClick(findChild(detail, "leadStatus_accepted"))
        compare(actions.fields("lead", lead).status, "accepted")
        findChild(detail, "leadOutcomeField").text = "Meeting booked for Tuesday"
        mouseClick(findChild(detail, "leadOutcomeSaveButton"))
        compare(actions.fields("lead", lead).outcome, "Meeting booked for Tuesday")
        mouseClick(findChild(detail, "leadStatus_done"))
        const fields = actions.fields("lead", lead)
        compare(fields.status, "done")
        compare(fields.outcome, "Meeting booked for Tuesday")
        // Nothing else changed, and a typed edit of the recommendation could not be saved.
        compare(fields.recommendation, "Call the CTO before the fair")
        compare(fields.priority, 1)
        compare(findChild(detail, "leadError").visible, false)

        // The list filters by status and account.
        const index = page.model.indexOf(lead)
        verify(index >= 0)
        compare(page.model.get(index).statusLabel, "Done")
        page.model.status = "open"
        compare(page.model.indexOf(lead), -1)
        page.model.status = "done"
        page.model.accountId = account
        compare(page.model.count, 1)
    }

    function test_3_phoneWidthShowsOnePane() {
        const page = createTemporaryObject(pageComponent, testCase, { role: "sales" })
        page.width = 380
        verify(!page.wide)
        verify(page.model.count > 0)
        page.open(page.model.get(0).leadId)
        const detail = detailOf(page)
        verify(detail.visible)
        verify(!findChild(page, "leadList").visible)
        // Nothing wider than the phone.
        verify(detail.width <= 380)
        mouseClick(findChild(detail, "backButton"))
        compare(page.selectedId, "")
        verify(findChild(page, "leadList").visible)
    }
}
