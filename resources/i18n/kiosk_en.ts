<?xml version="1.0" encoding="utf-8"?>
<!DOCTYPE TS>
<TS version="2.1" language="en" sourcelanguage="en">
<context>
    <name>AlertBanner</name>
    <message>
        <source>Got it</source>
        <translation>Got it</translation>
    </message>
</context>
<context>
    <name>CartView</name>
    <message>
        <source>Item</source>
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
</context>
<context>
    <name>CatalogView</name>
    <message>
        <source>Other</source>
        <extracomment>Button text width in columns (a CJK character counts two): about one 21 px line of a catalogue button.</extracomment>
        <translation>Other</translation>
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
        <source>Please wait…</source>
        <translation>Please wait…</translation>
    </message>
</context>
<context>
    <name>MainWindow</name>
    <message>
        <source>Kiosk — cashier</source>
        <extracomment>Emitted once, after the first paint. The core is attached and the sale page is usable.</extracomment>
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
        <source>Charge failed: {0}</source>
        <translation>Charge failed: {0}</translation>
    </message>
    <message>
        <source>Payment cancelled: {0}</source>
        <translation>Payment cancelled: {0}</translation>
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
        <source>Receipt sent to the printer</source>
        <translation>Receipt sent to the printer</translation>
    </message>
    <message>
        <source>Paid: {0}</source>
        <translation>Paid: {0}</translation>
    </message>
    <message>
        <source>Payment received after cancel: order {0}, {1}. The money has arrived — hand over the goods or ask the manager to refund it.</source>
        <translation>Payment received after cancel: order {0}, {1}. The money has arrived — hand over the goods or ask the manager to refund it.</translation>
    </message>
    <message>
        <source>Printing…</source>
        <translation>Printing…</translation>
    </message>
    <message>
        <source>Print failed: {0}</source>
        <translation>Print failed: {0}</translation>
    </message>
    <message>
        <source>Relay: connecting…</source>
        <translation>Relay: connecting…</translation>
    </message>
    <message>
        <source>Relay: not authorized (check the kiosk token)</source>
        <translation>Relay: not authorized (check the kiosk token)</translation>
    </message>
    <message>
        <source>Relay: online</source>
        <translation>Relay: online</translation>
    </message>
    <message>
        <source>Relay: OFFLINE</source>
        <translation>Relay: OFFLINE</translation>
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
        <source>Printer: ready</source>
        <translation>Printer: ready</translation>
    </message>
    <message>
        <source>Loading today's orders</source>
        <translation>Loading today's orders</translation>
    </message>
    <message>
        <source>The manager screen is not available in this version</source>
        <translation>The manager screen is not available in this version</translation>
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
        <source>Draft</source>
        <translation>Draft</translation>
    </message>
    <message>
        <source>Creating</source>
        <translation>Creating</translation>
    </message>
    <message>
        <source>Waiting for relay</source>
        <translation>Waiting for relay</translation>
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
</context>
<context>
    <name>PaidView</name>
    <message>
        <source>Paid</source>
        <translation>Paid</translation>
    </message>
    <message>
        <source>New order</source>
        <translation>New order</translation>
    </message>
    <message>
        <source>The receipt is printing</source>
        <translation>The receipt is printing</translation>
    </message>
</context>
<context>
    <name>PaymentView</name>
    <message>
        <source>Cancel payment</source>
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
        <source>Waiting for the relay…</source>
        <translation>Waiting for the relay…</translation>
    </message>
    <message>
        <source>Paid</source>
        <translation>Paid</translation>
    </message>
    <message>
        <source>This QR code is no longer valid</source>
        <translation>This QR code is no longer valid</translation>
    </message>
    <message>
        <source>Relay unreachable — retrying. You can cancel.</source>
        <translation>Relay unreachable — retrying. You can cancel.</translation>
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
</context>
<context>
    <name>PinDialog</name>
    <message>
        <source>Manager PIN</source>
        <extracomment>Documented in kiosk.manager.pin too; training mode has no configuration to hold a PIN.</extracomment>
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
        <source>Cancel</source>
        <translation>Cancel</translation>
    </message>
    <message>
        <source>No manager PIN is configured ([manager] pin_sha256).</source>
        <translation>No manager PIN is configured ([manager] pin_sha256).</translation>
    </message>
    <message>
        <source>Wrong PIN</source>
        <translation>Wrong PIN</translation>
    </message>
</context>
<context>
    <name>SaleView</name>
    <message>
        <source>Scan a barcode or type a SKU, then Enter</source>
        <translation>Scan a barcode or type a SKU, then Enter</translation>
    </message>
    <message>
        <source>Clear</source>
        <translation>Clear</translation>
    </message>
    <message>
        <source>Charge</source>
        <translation>Charge</translation>
    </message>
    <message>
        <source>Unknown barcode or SKU: {0}</source>
        <translation>Unknown barcode or SKU: {0}</translation>
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
</TS>
