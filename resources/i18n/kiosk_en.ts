<?xml version="1.0" encoding="utf-8"?>
<!DOCTYPE TS>
<TS version="2.1" language="en" sourcelanguage="en">
<context>
    <name>AlertBanner</name>
    <message>
        <source>Got it</source>
        <extracomment>A text for the clerk, or how to make it again in the language of the moment (a language switch re-renders what is on screen: notices, banners and dialogs).</extracomment>
        <translation>Got it</translation>
    </message>
</context>
<context>
    <name>Banners</name>
    <message>
        <source>receipt</source>
        <translation>receipt</translation>
    </message>
    <message>
        <source>payment slip</source>
        <translation>payment slip</translation>
    </message>
    <message>
        <source>refund slip</source>
        <translation>refund slip</translation>
    </message>
    <message>
        <source>report</source>
        <translation>report</translation>
    </message>
</context>
<context>
    <name>CartView</name>
    <message>
        <source>Item</source>
        <extracomment>How long a removed line or a cleared cart can be brought back.</extracomment>
        <translation>Item</translation>
    </message>
    <message>
        <source>Qty</source>
        <translation>Qty</translation>
    </message>
    <message>
        <source>Amount</source>
        <translation>Amount</translation>
    </message>
    <message>
        <source>Remove</source>
        <translation>Remove</translation>
    </message>
    <message>
        <source>Tap to type the quantity</source>
        <translation>Tap to type the quantity</translation>
    </message>
</context>
<context>
    <name>CatalogView</name>
    <message>
        <source>Other</source>
        <extracomment>An item name gets at most this many lines on a tile (a price line follows). A tile is at least this many line heights wide (about eight Chinese characters). The category row shows at most this many rows of buttons; more scroll, with the scroll bar showing.</extracomment>
        <translation>Other</translation>
    </message>
</context>
<context>
    <name>CodePayPanel</name>
    <message>
        <source>WeChat payment code ending {0}</source>
        <translation>WeChat payment code ending {0}</translation>
    </message>
    <message>
        <source>Not settled yet: the manager has been told to check it</source>
        <translation>Not settled yet: the manager has been told to check it</translation>
    </message>
    <message>
        <source>WeChat Pay is reversing the payment…</source>
        <translation>WeChat Pay is reversing the payment…</translation>
    </message>
    <message>
        <source>Waiting for the payment server…</source>
        <translation>Waiting for the payment server…</translation>
    </message>
    <message>
        <source>The code is charged once the payment server answers. You can cancel.</source>
        <translation>The code is charged once the payment server answers. You can cancel.</translation>
    </message>
    <message>
        <source>The customer is entering the payment password</source>
        <translation>The customer is entering the payment password</translation>
    </message>
    <message>
        <source>Charging…</source>
        <translation>Charging…</translation>
    </message>
    <message>
        <source>Waiting for WeChat Pay's answer…</source>
        <translation>Waiting for WeChat Pay's answer…</translation>
    </message>
    <message>
        <source>Waiting at most {0} more, then the payment is reversed</source>
        <translation>Waiting at most {0} more, then the payment is reversed</translation>
    </message>
</context>
<context>
    <name>CustomerDisplay</name>
    <message>
        <source>Scan with WeChat to pay</source>
        <translation>Scan with WeChat to pay</translation>
    </message>
    <message>
        <source>Thank you!</source>
        <translation>Thank you!</translation>
    </message>
    <message>
        <source>Welcome</source>
        <translation>Welcome</translation>
    </message>
    <message>
        <source>Payment received</source>
        <translation>Payment received</translation>
    </message>
    <message>
        <source>Please enter your payment password on your phone</source>
        <translation>Please enter your payment password on your phone</translation>
    </message>
    <message>
        <source>Charging your payment code, please wait…</source>
        <translation>Charging your payment code, please wait…</translation>
    </message>
    <message>
        <source>Preparing your payment code, please wait…</source>
        <translation>Preparing your payment code, please wait…</translation>
    </message>
    <message>
        <source>{0} items</source>
        <translation>{0} items</translation>
    </message>
    <message>
        <source>Total {0}</source>
        <translation>Total {0}</translation>
    </message>
    <message>
        <source>Time left {0}</source>
        <translation>Time left {0}</translation>
    </message>
</context>
<context>
    <name>Keypad</name>
    <message>
        <source>Delete</source>
        <extracomment>Rows of keys: single characters type themselves, BACKSPACE and CLEAR edit, ENTER only reports itself. A key repeated next to itself is one key that many columns wide. For the scan/search field: codes and pinyin initials (the field has its own clear button).</extracomment>
        <translation>Delete</translation>
    </message>
    <message>
        <source>Clear</source>
        <translation>Clear</translation>
    </message>
    <message>
        <source>Enter</source>
        <translation>Enter</translation>
    </message>
</context>
<context>
    <name>KeypadDialog</name>
    <message>
        <source>Cancel</source>
        <translation>Cancel</translation>
    </message>
    <message>
        <source>OK</source>
        <translation>OK</translation>
    </message>
    <message>
        <source>Enter an amount from {0} to {1}</source>
        <translation>Enter an amount from {0} to {1}</translation>
    </message>
    <message>
        <source>Enter a number from {0} to {1}</source>
        <translation>Enter a number from {0} to {1}</translation>
    </message>
</context>
<context>
    <name>MainWindow</name>
    <message>
        <source>Kiosk — cashier</source>
        <extracomment>A desktop window opens at the design size when the screen has room for it; it can shrink to this (a 1024×768 screen less a window frame and a task bar). How many recent receipts' print jobs the window remembers (a paid screen can show one that began earlier). Emitted once, after the first paint. The core is attached and the sale page is usable. The window is shutting down and stops the core next: screens over it stop their workers now. The newest print-job change of the latest receipts, for a paid screen shown after they began.</extracomment>
        <translation>Kiosk — cashier</translation>
    </message>
    <message>
        <source>Starting…</source>
        <translation>Starting…</translation>
    </message>
    <message>
        <source>Today's orders</source>
        <translation>Today's orders</translation>
    </message>
    <message>
        <source>Manager</source>
        <translation>Manager</translation>
    </message>
    <message>
        <source>Exit</source>
        <translation>Exit</translation>
    </message>
    <message>
        <source>Training mode</source>
        <translation>Training mode</translation>
    </message>
    <message>
        <source>Practise: no paper</source>
        <translation>Practise: no paper</translation>
    </message>
    <message>
        <source>Charging is off: the payment server does not accept this kiosk</source>
        <translation>Charging is off: the payment server does not accept this kiosk</translation>
    </message>
    <message>
        <source>Charge failed: {0}</source>
        <translation>Charge failed: {0}</translation>
    </message>
    <message>
        <source>This shop accepts WeChat Pay only</source>
        <translation>This shop accepts WeChat Pay only</translation>
    </message>
    <message>
        <source>A payment is under way: wait for it, or cancel it first</source>
        <translation>A payment is under way: wait for it, or cancel it first</translation>
    </message>
    <message>
        <source>Add the items to the cart before scanning the customer's payment code</source>
        <translation>Add the items to the cart before scanning the customer's payment code</translation>
    </message>
    <message>
        <source>Payment cancelled: order {0}</source>
        <translation>Payment cancelled: order {0}</translation>
    </message>
    <message>
        <source>Receipt of order {0} sent to the printer</source>
        <translation>Receipt of order {0} sent to the printer</translation>
    </message>
    <message>
        <source>Waiting for the printer (see above)</source>
        <translation>Waiting for the printer (see above)</translation>
    </message>
    <message>
        <source>Paid: order {0}</source>
        <translation>Paid: order {0}</translation>
    </message>
    <message>
        <source>Paid after cancel: order {0}, {1} — {2}.</source>
        <translation>Paid after cancel: order {0}, {1} — {2}.</translation>
    </message>
    <message>
        <source>These goods were in the cart; it is cleared. Hand them to the customer.</source>
        <translation>These goods were in the cart; it is cleared. Hand them to the customer.</translation>
    </message>
    <message>
        <source>The cart holds some of these goods: do not charge them again. Hand over the paid goods, or the manager refunds the order.</source>
        <translation>The cart holds some of these goods: do not charge them again. Hand over the paid goods, or the manager refunds the order.</translation>
    </message>
    <message>
        <source>Hand the goods to the customer, or the manager refunds the order.</source>
        <translation>Hand the goods to the customer, or the manager refunds the order.</translation>
    </message>
    <message>
        <source>Order {0} for the same goods is cancelled, so nobody pays twice.</source>
        <translation>Order {0} for the same goods is cancelled, so nobody pays twice.</translation>
    </message>
    <message>
        <source>Sound does not work on this computer: payments are not announced</source>
        <translation>Sound does not work on this computer: payments are not announced</translation>
    </message>
    <message>
        <source>Trying the printer again…</source>
        <translation>Trying the printer again…</translation>
    </message>
    <message>
        <source>Could not skip it: {0}</source>
        <translation>Could not skip it: {0}</translation>
    </message>
    <message>
        <source>Payment server: connecting…</source>
        <translation>Payment server: connecting…</translation>
    </message>
    <message>
        <source>Payment server: connected</source>
        <translation>Payment server: connected</translation>
    </message>
    <message>
        <source>Payment server: out of reach</source>
        <translation>Payment server: out of reach</translation>
    </message>
    <message>
        <source>Payment server: this kiosk is not accepted</source>
        <translation>Payment server: this kiosk is not accepted</translation>
    </message>
    <message>
        <source>That did not work: {0}</source>
        <translation>That did not work: {0}</translation>
    </message>
    <message>
        <source>Cancel failed: {0}</source>
        <translation>Cancel failed: {0}</translation>
    </message>
    <message>
        <source>Re-query failed: {0}</source>
        <translation>Re-query failed: {0}</translation>
    </message>
    <message>
        <source>Simulated payment failed: {0}</source>
        <translation>Simulated payment failed: {0}</translation>
    </message>
    <message>
        <source>QR slip sent to the printer</source>
        <translation>QR slip sent to the printer</translation>
    </message>
    <message>
        <source>Printing failed: {0}</source>
        <translation>Printing failed: {0}</translation>
    </message>
    <message>
        <source>No item has the code or name “{0}”</source>
        <translation>No item has the code or name “{0}”</translation>
    </message>
    <message>
        <source>Payment server: settings do not match</source>
        <translation>Payment server: settings do not match</translation>
    </message>
    <message>
        <source>Printer: none</source>
        <translation>Printer: none</translation>
    </message>
    <message>
        <source>Printer: {0}</source>
        <translation>Printer: {0}</translation>
    </message>
    <message>
        <source>Printer: printing…</source>
        <translation>Printer: printing…</translation>
    </message>
    <message>
        <source>Printer: ready</source>
        <translation>Printer: ready</translation>
    </message>
    <message>
        <source>Loading today's orders</source>
        <translation>Loading today's orders</translation>
    </message>
    <message>
        <source>The kiosk could not start: {0}</source>
        <extracomment>Printed on stdout by --exit-after-start / --exit-after-sale for smoke tests and the start-up bench.</extracomment>
        <translation>The kiosk could not start: {0}</translation>
    </message>
</context>
<context>
    <name>OrdersView</name>
    <message>
        <source>Today's orders</source>
        <translation>Today's orders</translation>
    </message>
    <message>
        <source>Time</source>
        <translation>Time</translation>
    </message>
    <message>
        <source>Order</source>
        <translation>Order</translation>
    </message>
    <message>
        <source>Description</source>
        <translation>Description</translation>
    </message>
    <message>
        <source>Amount</source>
        <translation>Amount</translation>
    </message>
    <message>
        <source>Paid by</source>
        <translation>Paid by</translation>
    </message>
    <message>
        <source>State</source>
        <translation>State</translation>
    </message>
    <message>
        <source>Refresh</source>
        <translation>Refresh</translation>
    </message>
    <message>
        <source>Reprint QR slip</source>
        <translation>Reprint QR slip</translation>
    </message>
    <message>
        <source>Reprint receipt</source>
        <translation>Reprint receipt</translation>
    </message>
    <message>
        <source>Back</source>
        <translation>Back</translation>
    </message>
    <message>
        <source>Tap an order to see it in full</source>
        <translation>Tap an order to see it in full</translation>
    </message>
    <message>
        <source>Order number: {0}</source>
        <translation>Order number: {0}</translation>
    </message>
    <message>
        <source>WeChat Pay transaction: {0}</source>
        <translation>WeChat Pay transaction: {0}</translation>
    </message>
    <message>
        <source>Paid at {0}</source>
        <translation>Paid at {0}</translation>
    </message>
</context>
<context>
    <name>PaidView</name>
    <message>
        <source>Order {0}</source>
        <extracomment>The newest print job of this order's receipt, and what holds the printer up now. The clerk asked for a receipt (or it prints by itself): the screen follows the job.</extracomment>
        <translation>Order {0}</translation>
    </message>
    <message>
        <source>New order</source>
        <translation>New order</translation>
    </message>
    <message>
        <source>No receipt</source>
        <translation>No receipt</translation>
    </message>
    <message>
        <source>Reprint receipt</source>
        <translation>Reprint receipt</translation>
    </message>
    <message>
        <source>Print receipt</source>
        <translation>Print receipt</translation>
    </message>
    <message>
        <source>Does the customer want a receipt?</source>
        <translation>Does the customer want a receipt?</translation>
    </message>
    <message>
        <source>the printer is busy</source>
        <translation>the printer is busy</translation>
    </message>
    <message>
        <source>The receipt is waiting: {0}</source>
        <translation>The receipt is waiting: {0}</translation>
    </message>
    <message>
        <source>The receipt is printing</source>
        <translation>The receipt is printing</translation>
    </message>
    <message>
        <source>The receipt is printed</source>
        <translation>The receipt is printed</translation>
    </message>
    <message>
        <source>No receipt printed</source>
        <translation>No receipt printed</translation>
    </message>
</context>
<context>
    <name>PaymentView</name>
    <message>
        <source>Cancel payment</source>
        <extracomment>The payment server is known to be out of reach: an order being created waits for it.</extracomment>
        <translation>Cancel payment</translation>
    </message>
    <message>
        <source>Print QR slip</source>
        <translation>Print QR slip</translation>
    </message>
    <message>
        <source>Re-query</source>
        <translation>Re-query</translation>
    </message>
    <message>
        <source>Simulate payment</source>
        <translation>Simulate payment</translation>
    </message>
    <message>
        <source>Customer code</source>
        <translation>Customer code</translation>
    </message>
    <message>
        <source>Training: a customer shows a payment code</source>
        <translation>Training: a customer shows a payment code</translation>
    </message>
    <message>
        <source>Pay by QR instead</source>
        <translation>Pay by QR instead</translation>
    </message>
    <message>
        <source>Or scan the customer's payment code</source>
        <translation>Or scan the customer's payment code</translation>
    </message>
    <message>
        <source>Back to the order</source>
        <translation>Back to the order</translation>
    </message>
    <message>
        <source>Ask the customer to scan with WeChat</source>
        <translation>Ask the customer to scan with WeChat</translation>
    </message>
    <message>
        <source>Order {0}</source>
        <translation>Order {0}</translation>
    </message>
    <message>
        <source>Expires in {0}</source>
        <translation>Expires in {0}</translation>
    </message>
    <message>
        <source>Creating the order…</source>
        <translation>Creating the order…</translation>
    </message>
    <message>
        <source>Waiting for the payment server…</source>
        <translation>Waiting for the payment server…</translation>
    </message>
    <message>
        <source>The payment server cannot be reached — retrying. You can cancel.</source>
        <translation>The payment server cannot be reached — retrying. You can cancel.</translation>
    </message>
    <message>
        <source>The payment server did not take this order — charge again</source>
        <translation>The payment server did not take this order — charge again</translation>
    </message>
    <message>
        <source>This QR code is no longer valid</source>
        <translation>This QR code is no longer valid</translation>
    </message>
    <message>
        <source>Waiting for payment</source>
        <translation>Waiting for payment</translation>
    </message>
    <message>
        <source>Customer is paying…</source>
        <translation>Customer is paying…</translation>
    </message>
    <message>
        <source>Payment failed — the customer may try again</source>
        <translation>Payment failed — the customer may try again</translation>
    </message>
</context>
<context>
    <name>PinDialog</name>
    <message>
        <source>Manager PIN</source>
        <translation>Manager PIN</translation>
    </message>
    <message>
        <source>Enter the manager PIN</source>
        <translation>Enter the manager PIN</translation>
    </message>
    <message>
        <source>OK</source>
        <translation>OK</translation>
    </message>
    <message>
        <source>Too many wrong PINs. Try again after {0}.</source>
        <translation>Too many wrong PINs. Try again after {0}.</translation>
    </message>
    <message>
        <source>No manager PIN is set on this kiosk. Ask the shop owner to set one.</source>
        <translation>No manager PIN is set on this kiosk. Ask the shop owner to set one.</translation>
    </message>
    <message>
        <source>Wrong PIN. Tries left: {0}</source>
        <translation>Wrong PIN. Tries left: {0}</translation>
    </message>
    <message>
        <source>Cancel</source>
        <translation>Cancel</translation>
    </message>
</context>
<context>
    <name>PrinterBanner</name>
    <message>
        <source>Retry</source>
        <translation>Retry</translation>
    </message>
    <message>
        <source>Skip this receipt</source>
        <translation>Skip this receipt</translation>
    </message>
    <message>
        <source>the {0} of order {1} is waiting</source>
        <translation>the {0} of order {1} is waiting</translation>
    </message>
    <message>
        <source>the {0} is waiting</source>
        <translation>the {0} is waiting</translation>
    </message>
    <message>
        <source>{0} — {1}</source>
        <translation>{0} — {1}</translation>
    </message>
    <message>
        <source>Printer: {0}</source>
        <translation>Printer: {0}</translation>
    </message>
</context>
<context>
    <name>ReasonPicker</name>
    <message>
        <source>Customer returned the goods</source>
        <translation>Customer returned the goods</translation>
    </message>
    <message>
        <source>Damaged or faulty goods</source>
        <translation>Damaged or faulty goods</translation>
    </message>
    <message>
        <source>Charged the wrong amount</source>
        <translation>Charged the wrong amount</translation>
    </message>
    <message>
        <source>Paid twice</source>
        <translation>Paid twice</translation>
    </message>
    <message>
        <source>Out of stock</source>
        <translation>Out of stock</translation>
    </message>
    <message>
        <source>Other</source>
        <translation>Other</translation>
    </message>
    <message>
        <source>More details (optional)</source>
        <translation>More details (optional)</translation>
    </message>
</context>
<context>
    <name>RelayBanner</name>
    <message>
        <source>Try again</source>
        <translation>Try again</translation>
    </message>
    <message>
        <source>This kiosk's settings do not match the payment server's (since {0})</source>
        <translation>This kiosk's settings do not match the payment server's (since {0})</translation>
    </message>
    <message>
        <source>The payment server does not accept this kiosk (since {0})</source>
        <translation>The payment server does not accept this kiosk (since {0})</translation>
    </message>
    <message>
        <source>Charging is off. Ask the manager or the installer to check this kiosk's access settings.</source>
        <translation>Charging is off. Ask the manager or the installer to check this kiosk's access settings.</translation>
    </message>
    <message>
        <source>The payment server cannot be reached (since {0})</source>
        <translation>The payment server cannot be reached (since {0})</translation>
    </message>
    <message>
        <source>Check the network cable or Wi-Fi and the router. You can still charge: the QR code appears as soon as the payment server answers.</source>
        <translation>Check the network cable or Wi-Fi and the router. You can still charge: the QR code appears as soon as the payment server answers.</translation>
    </message>
</context>
<context>
    <name>RepeatChargeDialog</name>
    <message>
        <source>These goods were just paid for</source>
        <translation>These goods were just paid for</translation>
    </message>
    <message>
        <source>Order {0}, {1}, paid at {2}:</source>
        <translation>Order {0}, {1}, paid at {2}:</translation>
    </message>
    <message>
        <source>Is the customer buying the same again? If not, do not charge twice.</source>
        <translation>Is the customer buying the same again? If not, do not charge twice.</translation>
    </message>
    <message>
        <source>Clear the cart</source>
        <translation>Clear the cart</translation>
    </message>
    <message>
        <source>Back</source>
        <translation>Back</translation>
    </message>
    <message>
        <source>Charge again</source>
        <translation>Charge again</translation>
    </message>
</context>
<context>
    <name>SaleView</name>
    <message>
        <source>Scan, or search by name, pinyin or code</source>
        <extracomment>Typing pauses this long before the search runs: a scanner's burst of digits never flashes results. The last paid order (its receipt is one tap away) and what the payment server allows.</extracomment>
        <translation>Scan, or search by name, pinyin or code</translation>
    </message>
    <message>
        <source>Clear the search</source>
        <translation>Clear the search</translation>
    </message>
    <message>
        <source>On-screen keys</source>
        <translation>On-screen keys</translation>
    </message>
    <message>
        <source>Cart</source>
        <translation>Cart</translation>
    </message>
    <message>
        <source>Clear</source>
        <translation>Clear</translation>
    </message>
    <message>
        <source>Customer code</source>
        <translation>Customer code</translation>
    </message>
    <message>
        <source>Training: a customer shows a payment code</source>
        <translation>Training: a customer shows a payment code</translation>
    </message>
    <message>
        <source>Charge</source>
        <translation>Charge</translation>
    </message>
    <message>
        <source>Last receipt {0}</source>
        <translation>Last receipt {0}</translation>
    </message>
    <message>
        <source>Charging is off (see above)</source>
        <translation>Charging is off (see above)</translation>
    </message>
    <message>
        <source>A charge now waits for the payment server</source>
        <translation>A charge now waits for the payment server</translation>
    </message>
    <message>
        <source>Scan the customer's payment code here; items go in the cart</source>
        <translation>Scan the customer's payment code here; items go in the cart</translation>
    </message>
    <message>
        <source>Several items match — tap the one you want</source>
        <translation>Several items match — tap the one you want</translation>
    </message>
    <message>
        <source>Quantity (1 to {0})</source>
        <translation>Quantity (1 to {0})</translation>
    </message>
    <message>
        <source>At most {0} of one item per order</source>
        <translation>At most {0} of one item per order</translation>
    </message>
    <message>
        <source>Total {0}</source>
        <translation>Total {0}</translation>
    </message>
    <message>
        <source>{0} items</source>
        <translation>{0} items</translation>
    </message>
</context>
<context>
    <name>ScenarioPicker</name>
    <message>
        <source>Simulate a customer's payment code</source>
        <translation>Simulate a customer's payment code</translation>
    </message>
    <message>
        <source>Cancel</source>
        <translation>Cancel</translation>
    </message>
</context>
<context>
    <name>SearchResults</name>
    <message>
        <source>Found {0} for “{1}” — tap one to add it</source>
        <translation>Found {0} for “{1}” — tap one to add it</translation>
    </message>
    <message>
        <source>Nothing found for “{0}”</source>
        <translation>Nothing found for “{0}”</translation>
    </message>
</context>
<context>
    <name>UndoBar</name>
    <message>
        <source>Undo</source>
        <translation>Undo</translation>
    </message>
    <message>
        <source>Cart cleared ({0} items)</source>
        <translation>Cart cleared ({0} items)</translation>
    </message>
    <message>
        <source>Removed {0} × {1}</source>
        <translation>Removed {0} × {1}</translation>
    </message>
</context>
<context>
    <name>Words</name>
    <message>
        <source>Not charged</source>
        <translation>Not charged</translation>
    </message>
    <message>
        <source>Being created</source>
        <translation>Being created</translation>
    </message>
    <message>
        <source>Waiting for the payment server</source>
        <translation>Waiting for the payment server</translation>
    </message>
    <message>
        <source>Awaiting payment</source>
        <translation>Awaiting payment</translation>
    </message>
    <message>
        <source>Paid</source>
        <translation>Paid</translation>
    </message>
    <message>
        <source>Paid after cancel</source>
        <translation>Paid after cancel</translation>
    </message>
    <message>
        <source>Cancelled</source>
        <translation>Cancelled</translation>
    </message>
    <message>
        <source>Expired</source>
        <translation>Expired</translation>
    </message>
    <message>
        <source>Failed</source>
        <translation>Failed</translation>
    </message>
    <message>
        <source> and {0} more</source>
        <translation> and {0} more</translation>
    </message>
    <message>
        <source>the payment server cannot be reached</source>
        <translation>the payment server cannot be reached</translation>
    </message>
    <message>
        <source>the payment server turned the request down</source>
        <translation>the payment server turned the request down</translation>
    </message>
    <message>
        <source>not possible for this order now</source>
        <translation>not possible for this order now</translation>
    </message>
    <message>
        <source>the cart cannot be charged as it is</source>
        <translation>the cart cannot be charged as it is</translation>
    </message>
    <message>
        <source>the printer is not ready</source>
        <translation>the printer is not ready</translation>
    </message>
    <message>
        <source>the kiosk could not do it</source>
        <translation>the kiosk could not do it</translation>
    </message>
    <message>
        <source>something went wrong; the details are in the log</source>
        <translation>something went wrong; the details are in the log</translation>
    </message>
    <message>
        <source>The payment server refused order {0}. Charge again, or call the manager if it repeats.</source>
        <translation>The payment server refused order {0}. Charge again, or call the manager if it repeats.</translation>
    </message>
    <message>
        <source>The receipt of order {0} could not be sent to the printer; the kiosk keeps trying.</source>
        <translation>The receipt of order {0} could not be sent to the printer; the kiosk keeps trying.</translation>
    </message>
    <message>
        <source>The printer could not be set up: selling goes on without printing. Call the installer.</source>
        <translation>The printer could not be set up: selling goes on without printing. Call the installer.</translation>
    </message>
    <message>
        <source>Something went wrong with order {0}; the details are in the log.</source>
        <translation>Something went wrong with order {0}; the details are in the log.</translation>
    </message>
    <message>
        <source>Something went wrong; the details are in the log.</source>
        <translation>Something went wrong; the details are in the log.</translation>
    </message>
    <message>
        <source>Charging is off: this kiosk is set up as {0}, the payment server knows it as {1}. Ask the installer to make the kiosk's and the payment server's settings agree.</source>
        <translation>Charging is off: this kiosk is set up as {0}, the payment server knows it as {1}. Ask the installer to make the kiosk's and the payment server's settings agree.</translation>
    </message>
    <message>
        <source>Not enough money on the customer's card</source>
        <translation>Not enough money on the customer's card</translation>
    </message>
    <message>
        <source>The customer's bank declined the payment</source>
        <translation>The customer's bank declined the payment</translation>
    </message>
    <message>
        <source>The payment code is invalid, expired or already used</source>
        <translation>The payment code is invalid, expired or already used</translation>
    </message>
    <message>
        <source>The customer did not confirm the payment in time</source>
        <translation>The customer did not confirm the payment in time</translation>
    </message>
    <message>
        <source>The payment was cancelled</source>
        <translation>The payment was cancelled</translation>
    </message>
    <message>
        <source>Payment by payment code is not available for this shop now</source>
        <translation>Payment by payment code is not available for this shop now</translation>
    </message>
    <message>
        <source>The payment code never reached WeChat Pay: nothing was charged</source>
        <translation>The payment code never reached WeChat Pay: nothing was charged</translation>
    </message>
    <message>
        <source>The payment did not go through</source>
        <translation>The payment did not go through</translation>
    </message>
    <message>
        <source>Ask the customer to switch to another card</source>
        <translation>Ask the customer to switch to another card</translation>
    </message>
    <message>
        <source>Ask the customer to show the payment code again</source>
        <translation>Ask the customer to show the payment code again</translation>
    </message>
    <message>
        <source>Ask the customer to pay by scanning the QR code instead</source>
        <translation>Ask the customer to pay by scanning the QR code instead</translation>
    </message>
    <message>
        <source>Not enough money on your card</source>
        <translation>Not enough money on your card</translation>
    </message>
    <message>
        <source>Your bank declined the payment</source>
        <translation>Your bank declined the payment</translation>
    </message>
    <message>
        <source>Your payment code is invalid, expired or already used</source>
        <translation>Your payment code is invalid, expired or already used</translation>
    </message>
    <message>
        <source>The payment was not confirmed in time</source>
        <translation>The payment was not confirmed in time</translation>
    </message>
    <message>
        <source>This shop cannot take payment codes right now</source>
        <translation>This shop cannot take payment codes right now</translation>
    </message>
    <message>
        <source>Nothing was charged</source>
        <translation>Nothing was charged</translation>
    </message>
    <message>
        <source>Please switch to another card and show your payment code again</source>
        <translation>Please switch to another card and show your payment code again</translation>
    </message>
    <message>
        <source>Please show your payment code again</source>
        <translation>Please show your payment code again</translation>
    </message>
    <message>
        <source>Please pay by scanning the QR code instead</source>
        <translation>Please pay by scanning the QR code instead</translation>
    </message>
    <message>
        <source>Payment code</source>
        <translation>Payment code</translation>
    </message>
    <message>
        <source>QR code</source>
        <translation>QR code</translation>
    </message>
</context>
</TS>
